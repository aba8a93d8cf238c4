using System.Buffers.Binary;

namespace FaceParse.Imaging.Bmp;

/// <summary>A validated BMP file + DIB header (BITMAPINFOHEADER and its V2..V5 extensions).</summary>
internal sealed record BmpHeader(int Width, int Height, bool TopDown, int BitCount, int PixelOffset, uint[] Masks, int PaletteOffset, int PaletteEntries)
{
    public const int FileHeaderSize = 14;
    public const uint BiRgb = 0, BiBitfields = 3, BiAlphaBitfields = 6;

    public int Stride => (int)(((long)Width * BitCount + 31) / 32 * 4);

    public bool HasAlpha => Masks.Length == 4 && Masks[3] != 0;

    public ImageInfo ToInfo() => new(ImageFileFormat.Bmp, Width, Height,
        BitCount == 8 ? ImageColorModel.Palette : HasAlpha ? ImageColorModel.Rgba : ImageColorModel.Rgb, 8);

    public static BmpHeader Parse(ReadOnlySpan<byte> file, string? fileName)
    {
        if (!BmpDecoder.IsBmp(file)) throw new ImageFormatException("not a BMP file (missing 'BM')", fileName);
        if (file.Length < FileHeaderSize + 40) throw new ImageFormatException("truncated BMP header", fileName);
        uint pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[10..]);
        var dib = file[FileHeaderSize..];
        uint dibSize = BinaryPrimitives.ReadUInt32LittleEndian(dib);
        if (dibSize is < 40 or > 1024 || FileHeaderSize + dibSize > file.Length)
            throw new ImageFormatException($"unsupported or truncated BMP info header of {dibSize} bytes", fileName);
        int width = BinaryPrimitives.ReadInt32LittleEndian(dib[4..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(dib[8..]);
        int bitCount = BinaryPrimitives.ReadUInt16LittleEndian(dib[14..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(dib[16..]);
        uint colorsUsed = BinaryPrimitives.ReadUInt32LittleEndian(dib[32..]);
        if (width <= 0 || height == 0 || height == int.MinValue) throw new ImageFormatException($"invalid BMP size {width}x{height}", fileName);
        if (bitCount is not (8 or 24 or 32)) throw new ImageFormatException($"unsupported BMP bit count {bitCount} (8, 24 and 32 are supported)", fileName);
        bool bitfields = compression is BiBitfields or BiAlphaBitfields;
        if (!(compression == BiRgb || (bitfields && bitCount == 32)))
            throw new ImageFormatException($"unsupported BMP compression {compression} for {bitCount}-bit", fileName);
        int tail = FileHeaderSize + (int)dibSize;
        uint[] masks = bitfields ? ReadMasks(file, dibSize, compression, ref tail, fileName) : [];
        int entries = bitCount == 8 ? (int)(colorsUsed == 0 ? 256 : Math.Min(colorsUsed, 256u)) : 0;
        if (tail + 4L * entries > file.Length) throw new ImageFormatException("truncated BMP palette", fileName);
        if (pixelOffset < tail + 4L * entries || pixelOffset > file.Length) throw new ImageFormatException($"invalid BMP pixel offset {pixelOffset}", fileName);
        return new BmpHeader(width, Math.Abs(height), height < 0, bitCount, (int)pixelOffset, masks, tail, entries);
    }

    // masks live inside a V2+ header, or as 3 (4 for ALPHABITFIELDS) words after a 40-byte header → R, G, B, A masks
    private static uint[] ReadMasks(ReadOnlySpan<byte> file, uint dibSize, uint compression, ref int tail, string? fileName)
    {
        int count = dibSize >= 56 || compression == BiAlphaBitfields ? 4 : 3;
        int at = FileHeaderSize + 40;
        if (dibSize == 40) tail += 4 * count;
        if (at + 4 * count > file.Length) throw new ImageFormatException("truncated BMP bit masks", fileName);
        var masks = new uint[4];
        for (int i = 0; i < count; i++) masks[i] = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 4 * i)..]);
        return masks;
    }
}
