using FaceParse.Imaging;
using FaceParse.Imaging.Png;
using FaceParse.Labels;

namespace FaceParse.Data;

/// <summary>Reading label PNGs: the header only (fast validation), a class-id mask, or a binary part mask.</summary>
internal static class MaskFiles
{
    /// <summary>Bytes of signature + IHDR chunk: enough for <see cref="PngDecoder.ReadInfo"/>.</summary>
    private const int HeaderBytes = 8 + 8 + 13 + 4;

    /// <summary>The IHDR of a PNG, reading only its first 33 bytes.</summary>
    /// <exception cref="DatasetContentException">Not a PNG or a broken header.</exception>
    public static ImageInfo ReadPngHeader(string path)
    {
        Span<byte> head = stackalloc byte[HeaderBytes];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, HeaderBytes, throwOnEndOfStream: false);
        try
        {
            return PngDecoder.ReadInfo(head[..read], path);
        }
        catch (ImageFormatException e)
        {
            throw new DatasetContentException($"{path}: not a readable PNG ({e.Message}).", path, e);
        }
    }

    /// <summary>Checks that a header describes a class-id mask: 8-bit gray, or palette (index = class id).</summary>
    public static void CheckLabelHeader(ImageInfo info, string path)
    {
        bool ok = info.ColorModel == ImageColorModel.Palette || (info.ColorModel == ImageColorModel.Gray && info.BitDepth == 8);
        if (!ok)
            throw new DatasetContentException($"{path}: a label mask must be an 8-bit gray or palette PNG (value/index = class id); " +
                $"found {info.ColorModel} {info.BitDepth}-bit.", path);
    }

    /// <summary>Loads a class-id mask and checks every value is a class of <paramref name="labels"/> or 255 (ignore).</summary>
    public static LabelMap LoadLabelMap(string path, LabelSet labels)
    {
        var decoded = Decode(path);
        CheckLabelHeader(decoded.Info, path);
        var map = new LabelMap(decoded.Info.Width, decoded.Info.Height, decoded.ToLabelMap());
        CheckValues(map, labels, path);
        return map;
    }

    /// <summary>Throws when a value is above the set's largest id and is not 255. Shape: [H·W] scanned once.</summary>
    public static void CheckValues(LabelMap map, LabelSet labels, string path)
    {
        Span<long> histogram = stackalloc long[256];
        foreach (byte v in map.Labels) histogram[v]++;
        for (int v = labels.MaxId + 1; v < 255; v++)
        {
            if (histogram[v] == 0) continue;
            throw new DatasetContentException($"{path}: mask value {v} ({histogram[v]} pixels) is not a class of '{labels.Name}' " +
                $"(ids 0..{labels.MaxId}, 255 = ignore). Wrong label set for this dataset?", path);
        }
    }

    /// <summary>A binary part mask: true where the first channel is non-zero. Shape: file [H, W, C] → [H·W].</summary>
    public static (int Width, int Height, bool[] Set) LoadPart(string path)
    {
        var image = Decode(path).Image;
        var set = new bool[image.Width * image.Height];
        var pixels = image.Pixels;
        for (int i = 0, c = image.Channels; i < set.Length; i++) set[i] = pixels[i * c] != 0;
        return (image.Width, image.Height, set);
    }

    private static DecodedImage Decode(string path)
    {
        try
        {
            return PngDecoder.Decode(File.ReadAllBytes(path), fileName: path);
        }
        catch (ImageFormatException e)
        {
            throw new DatasetContentException($"{path}: cannot decode mask ({e.Message}).", path, e);
        }
        catch (FileNotFoundException e)
        {
            throw new DatasetLayoutException($"Mask file {path} is missing.", path, e);
        }
    }
}
