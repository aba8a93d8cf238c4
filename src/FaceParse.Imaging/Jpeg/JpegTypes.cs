using System.Buffers;

namespace FaceParse.Imaging.Jpeg;

/// <summary>Header facts of a JPEG file. Width/Height are the stored frame size (before EXIF orientation).</summary>
/// <param name="ColorSpace">"Gray", "YCbCr", "RGB", "CMYK" or "YCCK", as libjpeg interprets the file.</param>
/// <param name="Subsampling">Name and per-component factors, e.g. "4:2:0(2x2,1x1,1x1)" or "gray(1x1)".</param>
public sealed record JpegInfo(int Width, int Height, int Components, int BitDepth, bool Progressive,
    int Orientation, string ColorSpace, string Subsampling)
{
    /// <summary>The format-neutral header facts; the colour model is what the decoder returns (gray or RGB).</summary>
    public ImageInfo ToImageInfo() => new(ImageFileFormat.Jpeg, Width, Height, Components == 1 ? ImageColorModel.Gray : ImageColorModel.Rgb, BitDepth)
    {
        Progressive = Progressive,
        Orientation = Orientation is >= 1 and <= 8 ? Orientation : 1,
        Subsampling = Subsampling,
    };
}

/// <summary>Chroma subsampling written by <see cref="JpegEncoder"/>.</summary>
public enum JpegSubsampling
{
    /// <summary>No chroma subsampling (1x1 factors on every component).</summary>
    S444,
    /// <summary>Chroma halved in both directions (luma 2x2, chroma 1x1).</summary>
    S420,
}

internal enum JpegColorSpace { Gray, YCbCr, Rgb, Cmyk, Ycck }

/// <summary>One frame component: sampling factors, its block grid and its decoded samples.</summary>
internal sealed class JpegComponent
{
    public int Id;
    public int H;
    public int V;
    public int QuantId;
    /// <summary>Samples of this component before upsampling: ceil(W·H/Hmax) x ceil(Height·V/Vmax).</summary>
    public int SampleWidth;
    public int SampleHeight;
    /// <summary>Blocks that hold real samples (non-interleaved scans cover exactly these).</summary>
    public int WidthInBlocks;
    public int HeightInBlocks;
    /// <summary>Blocks allocated: the MCU grid (interleaved scans cover these, padding included).</summary>
    public int BlocksPerLine;
    public int BlocksPerColumn;
    public int DcPred;
    public JpegHuffmanTable? DcTable;
    public JpegHuffmanTable? AcTable;
    /// <summary>Dequantisation table (natural order) latched at the first scan of this component.</summary>
    public ushort[]? Quant;
    /// <summary>Sample plane, stride BlocksPerLine·8, allocated at the first scan.</summary>
    public byte[] Plane = [];
    public bool PlaneRented;
    /// <summary>Progressive only: quantised coefficients, 64 per block in natural order, block-row-major.</summary>
    public short[] Coefficients = [];

    public int PlaneStride => BlocksPerLine * 8;
}

/// <summary>The SOF header: size, precision, process and components with their block geometry.</summary>
internal sealed class JpegFrame
{
    public int Width;
    public int Height;
    public int Precision;
    public bool Progressive;
    public int MaxH;
    public int MaxV;
    public int McusX;
    public int McusY;
    public JpegComponent[] Components = [];
    public bool Allocated;

    /// <summary>Planes up to this size are rented from the shared pool (decoding many images then allocates nothing).</summary>
    private const int PooledPlaneBytes = 16 << 20;

    /// <summary>Allocates once, at the first scan: sample planes for sequential frames, coefficient buffers for
    /// progressive ones (their planes come later, from <see cref="AllocatePlane"/>, as each component's coefficients are spent).</summary>
    public void Allocate()
    {
        if (Allocated) return;
        Allocated = true;
        foreach (var c in Components)
        {
            if (Progressive) c.Coefficients = new short[c.BlocksPerLine * c.BlocksPerColumn * 64];
            else AllocatePlane(c).Fill(128); // blocks a truncated scan never reaches stay mid-gray, as in libjpeg
        }
    }

    /// <summary>The component's sample plane (pooled when small).</summary>
    public static Span<byte> AllocatePlane(JpegComponent c)
    {
        int size = c.BlocksPerLine * 8 * c.BlocksPerColumn * 8;
        c.PlaneRented = size <= PooledPlaneBytes;
        c.Plane = c.PlaneRented ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);
        return c.Plane.AsSpan(0, size);
    }

    /// <summary>Returns pooled planes; the frame must not be used afterwards.</summary>
    public void Release()
    {
        foreach (var c in Components)
        {
            if (c.PlaneRented) ArrayPool<byte>.Shared.Return(c.Plane);
            c.PlaneRented = false;
            c.Plane = [];
            c.Coefficients = [];
        }
    }
}
