using FaceParse.Imaging.Rendering;

namespace FaceParse.Imaging.Tests;

public sealed class RenderingTests
{
    private static readonly byte[] Palette = [0, 0, 0, 255, 0, 0, 0, 0, 255];

    [Fact]
    public void ColorizeMapsIdsThroughPalette()
    {
        var image = LabelRenderer.Colorize([0, 1, 2, 7], 2, 2, Palette);
        Assert.Equal(new byte[] { 0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 0 }, image.Pixels);
    }

    [Fact]
    public void OverlayBlendsAndKeepsBackground()
    {
        var photo = new Image(3, 1, 1, [100, 100, 100]);
        var result = LabelRenderer.Overlay(photo, [0, 1, 2], Palette, alpha: 0.5f);
        // weight round(0.5·255) = 128: (100·127 + 255·128 + 127) / 255 = 178
        Assert.Equal(new byte[] { 100, 100, 100, 178, 50, 50, 50, 50, 178 }, result.Pixels);
        var everything = LabelRenderer.Overlay(photo, [0, 1, 2], Palette, alpha: 1f, transparentClass: null);
        Assert.Equal(LabelRenderer.Colorize([0, 1, 2], 3, 1, Palette).Pixels, everything.Pixels);
    }

    [Fact]
    public void ClassMaskAndFeather()
    {
        var labels = new byte[9 * 9];
        for (int y = 3; y < 6; y++)
            for (int x = 3; x < 6; x++) labels[y * 9 + x] = 4;
        var mask = LabelRenderer.ClassMask(labels, 9, 9, 4);
        Assert.Equal(9 * 255, mask.Pixels.Sum(p => p));
        Assert.All(mask.Pixels, p => Assert.True(p is 0 or 255));
        var soft = LabelRenderer.Feather(mask, radius: 1, passes: 1);
        Assert.Equal(255, soft.Pixels[4 * 9 + 4]);
        Assert.Equal(113, soft.Pixels[3 * 9 + 3]); // 4 of 9 neighbours set: round(4·255/9)
        Assert.Equal(0, soft.Pixels[0]);
        Assert.True(soft.Pixels[2 * 9 + 4] is > 0 and < 255);
        PixelAssert.SameImage(mask, LabelRenderer.Feather(mask, radius: 0));
        var tinted = LabelRenderer.OverlayMask(new Image(9, 9, 3), soft, (200, 0, 0), alpha: 1f);
        Assert.Equal(200, tinted.Pixels[(4 * 9 + 4) * 3]);
        Assert.Equal(0, tinted.Pixels[0]);
    }

    [Fact]
    public void VocPaletteHasKnownEntries()
    {
        var voc = LabelPalette.Voc(21);
        Assert.Equal(new byte[] { 0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0 }, voc[..12]);
        Assert.Equal(new byte[] { 0, 64, 128 }, voc[60..63]);
    }
}
