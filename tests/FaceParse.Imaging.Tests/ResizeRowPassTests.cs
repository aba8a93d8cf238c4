using FaceParse.Imaging.Geometry;

namespace FaceParse.Imaging.Tests;

/// <summary>Resize.Apply fills its output row by row (no output-sized float buffer); it must equal the plane resampler
/// (<see cref="Resize.Resample"/>, the PyTorch-checked path) rounded, byte for byte.</summary>
public class ResizeRowPassTests
{
    [Theory]
    [InlineData(ResizeMode.Bicubic, 37, 23, 3, 101, 64)]
    [InlineData(ResizeMode.Bicubic, 90, 70, 4, 31, 17)]
    [InlineData(ResizeMode.Bilinear, 15, 40, 1, 64, 9)]
    [InlineData(ResizeMode.Area, 64, 48, 3, 16, 12)]
    public void EqualsThePlaneResamplerRounded(ResizeMode mode, int w, int h, int c, int newW, int newH)
    {
        var source = TestImages.Photo(w, h, c);
        var floats = source.Pixels.Select(p => (float)p).ToArray();
        var resized = new float[newW * newH * c];
        Resize.Resample(floats, w, h, c, newW, newH, mode, resized);
        var expected = resized.Select(v => (byte)Math.Clamp(MathF.Round(v), 0f, 255f)).ToArray();
        Assert.Equal(expected, Resize.Apply(source, newW, newH, mode).Pixels);
    }
}
