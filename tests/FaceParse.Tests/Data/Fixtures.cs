using FaceParse.Imaging;
using FaceParse.Imaging.Png;

namespace FaceParse.Tests.Data;

/// <summary>A temporary folder for generated dataset fixtures (tiny PNG photos and masks), deleted on dispose.</summary>
public sealed class Fixtures : IDisposable
{
    public Fixtures()
    {
        Root = Path.Combine(Path.GetTempPath(), "faceparse-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>An RGB photo with a gradient.</summary>
    public string Photo(string relative, int width, int height)
    {
        var image = new Image(width, height, 3);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)(i * 7);
        return Write(relative, PngEncoder.Encode(image));
    }

    /// <summary>A palette mask (index = class id) with a 256-entry gray palette.</summary>
    public string PaletteMask(string relative, int width, int height, byte[] labels)
    {
        var palette = new byte[768];
        for (int i = 0; i < palette.Length; i++) palette[i] = (byte)(i / 3);
        return Write(relative, PngEncoder.Encode(new PaletteImage(width, height, labels, palette)));
    }

    /// <summary>An 8-bit gray mask (value = class id, or 255 for a binary part mask).</summary>
    public string GrayMask(string relative, int width, int height, byte[] values) =>
        Write(relative, PngEncoder.Encode(new Image(width, height, 1, values)));

    public string Text(string relative, string content) => Write(relative, System.Text.Encoding.UTF8.GetBytes(content));

    public static byte[] Fill(int count, byte value) => Enumerable.Repeat(value, count).ToArray();

    private string Write(string relative, byte[] bytes)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }
}
