using FaceParse.Imaging.Bmp;
using FaceParse.Imaging.Jpeg;
using FaceParse.Imaging.Netpbm;
using FaceParse.Imaging.Png;

namespace FaceParse.Imaging;

/// <summary>The front door to the codecs: the format is detected from the bytes (never the file name) when reading,
/// and chosen by the output extension (.png .jpg/.jpeg .bmp .ppm .pgm .pam .pnm) when writing.</summary>
public static class ImageCodec
{
    /// <summary>The container the bytes start with, or null when no supported signature matches.</summary>
    public static ImageFileFormat? Detect(ReadOnlySpan<byte> header) =>
        PngDecoder.IsPng(header) ? ImageFileFormat.Png
        : JpegDecoder.IsJpeg(header) ? ImageFileFormat.Jpeg
        : BmpDecoder.IsBmp(header) ? ImageFileFormat.Bmp
        : PnmDecoder.IsPnm(header) ? ImageFileFormat.Netpbm
        : null;

    /// <summary>Decodes any supported file. JPEG results carry their header facts (progressive, orientation,
    /// subsampling) in <see cref="DecodedImage.Info"/> and are auto-oriented unless the options say otherwise.</summary>
    /// <exception cref="ImageFormatException">Unknown signature, or a truncated/corrupt/oversized file.</exception>
    public static DecodedImage Decode(ReadOnlySpan<byte> data, ImageDecodeOptions? options = null, string? fileName = null)
    {
        options ??= ImageDecodeOptions.Default;
        switch (RequireFormat(data, fileName))
        {
            case ImageFileFormat.Png: return PngDecoder.Decode(data, options, fileName);
            case ImageFileFormat.Bmp: return BmpDecoder.Decode(data, options, fileName);
            case ImageFileFormat.Netpbm: return PnmDecoder.Decode(data, options, fileName);
            default:
                var image = JpegDecoder.Decode(data, options, fileName, out var info);
                return new DecodedImage(info.ToImageInfo(), image);
        }
    }

    /// <summary>Header facts without decoding the pixels.</summary>
    public static ImageInfo ReadInfo(ReadOnlySpan<byte> data, string? fileName = null) => RequireFormat(data, fileName) switch
    {
        ImageFileFormat.Png => PngDecoder.ReadInfo(data, fileName),
        ImageFileFormat.Bmp => BmpDecoder.ReadInfo(data, fileName),
        ImageFileFormat.Netpbm => PnmDecoder.ReadInfo(data, fileName),
        _ => JpegDecoder.ReadInfo(data, fileName).ToImageInfo(),
    };

    /// <summary>Reads and decodes a file; problems with its contents raise <see cref="ImageFormatException"/> naming it.</summary>
    public static DecodedImage Load(string path, ImageDecodeOptions? options = null)
    {
        options ??= ImageDecodeOptions.Default;
        return Decode(ReadFile(path, options), options, path);
    }

    /// <summary>Header facts of a file.</summary>
    public static ImageInfo ReadInfo(string path) => ReadInfo(ReadFile(path, ImageDecodeOptions.Default), path);

    /// <summary>Encodes to the format named by an extension (".png", "jpg", ...) or <see cref="ImageFileFormat"/> name.</summary>
    /// <remarks>.ppm writes RGB, .pgm gray (BT.601 luma), .pam keeps every channel, .pnm picks P5/P6/P7 by channel count;
    /// JPEG drops alpha; BMP cannot hold 16 bits and PNG/Netpbm keep them only for <see cref="Image16"/> input.</remarks>
    public static byte[] Encode(Image image, string format, ImageEncodeOptions? options = null)
    {
        options ??= ImageEncodeOptions.Default;
        return TargetOf(format) switch
        {
            Target.Png => PngEncoder.Encode(image, options.Png),
            Target.Jpeg => JpegEncoder.Encode(image, options.JpegQuality, options.JpegSubsampling),
            Target.Bmp => BmpEncoder.Encode(image),
            Target.Ppm => PnmEncoder.Encode(image.ToChannels(3)),
            Target.Pgm => PnmEncoder.Encode(image.ToChannels(1)),
            Target.Pam => PnmEncoder.Encode(image, forcePam: true),
            _ => PnmEncoder.Encode(image),
        };
    }

    /// <summary>16-bit samples are kept by PNG and Netpbm (maxval 65535); JPEG and BMP get the high bytes.</summary>
    public static byte[] Encode(Image16 image, string format, ImageEncodeOptions? options = null) => TargetOf(format) switch
    {
        Target.Png => PngEncoder.Encode(image, (options ?? ImageEncodeOptions.Default).Png),
        Target.Ppm => PnmEncoder.Encode(image.ToChannels(3)),
        Target.Pgm => PnmEncoder.Encode(image.ToChannels(1)),
        Target.Pam => PnmEncoder.Encode(image, forcePam: true),
        Target.Pnm => PnmEncoder.Encode(image),
        _ => Encode(image.ToImage8(), format, options),
    };

    /// <summary>Palette indices are kept by PNG and by BMP (when the palette has no alpha); other formats get the colours.</summary>
    public static byte[] Encode(PaletteImage image, string format, ImageEncodeOptions? options = null) => TargetOf(format) switch
    {
        Target.Png => PngEncoder.Encode(image, (options ?? ImageEncodeOptions.Default).Png),
        Target.Bmp when image.Alpha.Length == 0 => BmpEncoder.Encode(image),
        _ => Encode(image.ToImage(), format, options),
    };

    /// <summary>A decoded file in its most faithful form: its 16-bit samples or palette indices when the format keeps them.</summary>
    public static byte[] Encode(DecodedImage image, string format, ImageEncodeOptions? options = null) =>
        image.Image16 is { } deep && TargetOf(format) is not (Target.Jpeg or Target.Bmp) ? Encode(deep, format, options)
        : image.Palette is { } palette && TargetOf(format) is Target.Png or Target.Bmp ? Encode(palette, format, options)
        : Encode(image.Image, format, options);

    public static byte[] Encode(Image image, ImageFileFormat format, ImageEncodeOptions? options = null) => Encode(image, format.ToString(), options);
    public static byte[] Encode(Image16 image, ImageFileFormat format, ImageEncodeOptions? options = null) => Encode(image, format.ToString(), options);
    public static byte[] Encode(PaletteImage image, ImageFileFormat format, ImageEncodeOptions? options = null) => Encode(image, format.ToString(), options);

    /// <summary>Writes in the format of the path's extension, atomically: a temporary file in the same folder is renamed
    /// over the target, so a failure never leaves a partial (or any new) output.</summary>
    public static void Save(string path, Image image, ImageEncodeOptions? options = null) =>
        WriteAtomic(path, Encode(image, ExtensionOf(path), options));

    public static void Save(string path, Image16 image, ImageEncodeOptions? options = null) =>
        WriteAtomic(path, Encode(image, ExtensionOf(path), options));

    public static void Save(string path, PaletteImage image, ImageEncodeOptions? options = null) =>
        WriteAtomic(path, Encode(image, ExtensionOf(path), options));

    public static void Save(string path, DecodedImage image, ImageEncodeOptions? options = null) =>
        WriteAtomic(path, Encode(image, ExtensionOf(path), options));

    /// <summary>True when <see cref="Save(string, Image, ImageEncodeOptions?)"/> knows the path's extension.</summary>
    public static bool CanSave(string path) => TryTarget(Path.GetExtension(path), out _);

    private enum Target { Png, Jpeg, Bmp, Ppm, Pgm, Pam, Pnm }

    private static bool TryTarget(string format, out Target target)
    {
        Target? t = format.TrimStart('.').ToLowerInvariant() switch
        {
            "png" => Target.Png,
            "jpg" or "jpeg" => Target.Jpeg,
            "bmp" => Target.Bmp,
            "ppm" => Target.Ppm,
            "pgm" => Target.Pgm,
            "pam" => Target.Pam,
            "pnm" or "netpbm" => Target.Pnm,
            _ => null,
        };
        target = t.GetValueOrDefault();
        return t.HasValue;
    }

    private static Target TargetOf(string format) => TryTarget(format, out var target) ? target
        : throw new ArgumentException($"unsupported output format '{format}' (use .png, .jpg, .jpeg, .bmp, .ppm, .pgm, .pam or .pnm)");

    private static string ExtensionOf(string path) => Path.GetExtension(path);

    private static ImageFileFormat RequireFormat(ReadOnlySpan<byte> data, string? fileName)
    {
        if (data.IsEmpty) throw new ImageFormatException("empty file", fileName);
        return Detect(data) ?? throw new ImageFormatException(
            $"not a supported image (unknown signature {Convert.ToHexString(data[..Math.Min(4, data.Length)])}; expected PNG, JPEG, BMP or binary Netpbm)", fileName);
    }

    /// <summary>Reads a whole file after a size sanity check: nothing valid within the pixel limit needs more than
    /// 8 bytes a pixel (16-bit RGBA, uncompressed) plus 16 MiB of metadata.</summary>
    private static byte[] ReadFile(string path, ImageDecodeOptions options)
    {
        if (Directory.Exists(path)) throw new IOException($"{path}: is a folder, not an image file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        long length = new FileInfo(path).Length;
        long limit = Math.Min(Array.MaxLength, options.MaxPixels * 8 + (16L << 20));
        if (length > limit) throw new ImageFormatException($"file is {length} bytes, more than any image within the {options.MaxPixels}-pixel limit needs", path);
        return File.ReadAllBytes(path);
    }

    private static void WriteAtomic(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The temporary name is ours, not the caller's: report the target.
            throw new IOException($"{path}: cannot write ({e.Message.Replace(temp, full)})", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}

/// <summary>Encoding choices for <see cref="ImageCodec.Encode(Image, string, ImageEncodeOptions?)"/> and Save.</summary>
public sealed record ImageEncodeOptions
{
    public static readonly ImageEncodeOptions Default = new();

    /// <summary>JPEG quality 1..100 (IJG scale).</summary>
    public int JpegQuality { get; init; } = 90;

    public JpegSubsampling JpegSubsampling { get; init; } = JpegSubsampling.S420;

    public PngEncodeOptions Png { get; init; } = PngEncodeOptions.Default;
}
