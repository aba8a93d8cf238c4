using FaceParse.Labels;

namespace FaceParse.Tests.Labels;

/// <summary>The label table against the numbers copied from SPEC.md §1 (the independent source).</summary>
public class LabelSetTests
{
    // SPEC.md §1, official order and palette, by id.
    private static readonly string[] SpecOfficial =
        ["background", "skin", "nose", "eye_g", "l_eye", "r_eye", "l_brow", "r_brow", "l_ear", "r_ear", "mouth", "u_lip", "l_lip",
         "hair", "hat", "ear_r", "neck_l", "neck", "cloth"];
    private static readonly int[] SpecOfficialPalette =
        [0, 0, 0, 204, 0, 0, 76, 153, 0, 204, 204, 0, 51, 51, 255, 204, 0, 204, 0, 255, 255, 255, 204, 204, 102, 51, 0, 255, 0, 0,
         102, 204, 0, 255, 255, 0, 0, 0, 153, 0, 0, 204, 255, 51, 153, 0, 204, 204, 0, 51, 0, 255, 153, 51, 0, 204, 0];
    // SPEC.md §1 lists "bg" first; the table calls it "background".
    private static readonly string[] SpecSegFace =
        ["background", "neck", "skin", "cloth", "l_ear", "r_ear", "l_brow", "r_brow", "l_eye", "r_eye", "nose", "mouth", "l_lip",
         "u_lip", "hair", "eye_g", "hat", "ear_r", "neck_l"];
    private static readonly string[] SpecBiSeNet =
        ["background", "skin", "l_brow", "r_brow", "l_eye", "r_eye", "eye_g", "l_ear", "r_ear", "ear_r", "nose", "mouth", "u_lip",
         "l_lip", "neck", "neck_l", "cloth", "hair", "hat"];
    private static readonly int[] SpecElevenPalette =
        [0, 0, 0, 0, 153, 255, 102, 255, 153, 0, 204, 153, 255, 255, 102, 255, 255, 204, 255, 153, 0, 255, 102, 255, 102, 0, 51,
         255, 204, 255, 255, 0, 102];

    [Fact]
    public void Sizes()
    {
        Assert.Equal(19, LabelSets.CelebAMaskHq.Count);
        Assert.Equal(19, LabelSets.SegFace.Count);
        Assert.Equal(19, LabelSets.BiSeNet.Count);
        Assert.Equal(11, LabelSets.LaPa.Count);
        Assert.Equal(11, LabelSets.Helen.Count);
        Assert.Equal(18, LabelSets.CelebAMaskHq.MaxId);
        Assert.Equal("1", LabelSets.CelebAMaskHq.Version);
    }

    [Fact]
    public void OfficialOrderAndPalette()
    {
        var set = LabelSets.CelebAMaskHq;
        Assert.Equal(SpecOfficial, set.Classes.Select(c => c.Name));
        Assert.Equal(SpecOfficialPalette.Select(v => (byte)v), set.PaletteRgb());
    }

    [Theory]
    [InlineData("segface")]
    [InlineData("bisenet")]
    public void ReorderedSetsKeepTheOfficialColourOfEachClass(string name)
    {
        var set = LabelSets.Get(name);
        var expected = name == "segface" ? SpecSegFace : SpecBiSeNet;
        Assert.Equal(expected, set.Classes.Select(c => c.Name));
        foreach (var c in set.Classes)
        {
            int official = Array.IndexOf(SpecOfficial, c.Name);
            Assert.Equal((SpecOfficialPalette[3 * official], SpecOfficialPalette[3 * official + 1], SpecOfficialPalette[3 * official + 2]),
                ((int)c.R, (int)c.G, (int)c.B));
        }
    }

    [Theory]
    [InlineData("lapa")]
    [InlineData("helen")]
    public void ElevenClassSetsUseTheSegFacePalette(string name)
    {
        var set = LabelSets.Get(name);
        Assert.Equal(SpecElevenPalette.Select(v => (byte)v), set.PaletteRgb());
        Assert.Equal(SideConvention.Image, set.Sides);
        // SPEC: 2 left brow, 3 right brow, 4 left eye, 5 right eye, 6 nose, 7 upper lip, 8 inner mouth, 9 lower lip, 10 hair.
        Assert.Equal(["background", "skin", "left_eyebrow", "right_eyebrow", "left_eye", "right_eye", "nose", "upper_lip",
            "inner_mouth", "lower_lip", "hair"], set.Classes.Select(c => c.Name));
        Assert.Equal("r_eye", set[4].Concept); // image-left eye = the subject's right eye
    }

    [Fact]
    public void RegistryIsCaseInsensitiveAndListsValidNames()
    {
        Assert.Same(LabelSets.LaPa, LabelSets.Get("LaPa"));
        Assert.Same(LabelSets.CelebAMaskHq, LabelSets.Get(" CelebAMask-HQ "));
        var error = Assert.Throws<KeyNotFoundException>(() => LabelSets.Get("celeba"));
        Assert.Contains("celeba", error.Message);
        foreach (var s in LabelSets.All) Assert.Contains(s.Name, error.Message);
        Assert.Equal(4, LabelSets.CelebAMaskHq.IdOf("L_EYE"));
        Assert.Contains("hair", Assert.Throws<KeyNotFoundException>(() => LabelSets.LaPa.IdOf("hat")).Message);
    }

    [Fact]
    public void PaletteForPngPadsTo256WithWhiteIgnore()
    {
        var palette = LabelSets.LaPa.PaletteRgb(256);
        Assert.Equal(768, palette.Length);
        Assert.Equal([255, 0, 102], palette[30..33]);
        Assert.Equal([0, 0, 0], palette[33..36]);
        Assert.Equal([255, 255, 255], palette[765..768]);
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelSets.LaPa.PaletteRgb(5));
    }

    [Theory]
    [InlineData("celebamask-hq", new[] { 4, 5, 6, 7, 8, 9 })]
    [InlineData("segface", new[] { 4, 5, 6, 7, 8, 9 })]
    [InlineData("bisenet", new[] { 2, 3, 4, 5, 7, 8 })]
    [InlineData("lapa", new[] { 2, 3, 4, 5 })]
    [InlineData("helen", new[] { 2, 3, 4, 5 })]
    public void FlipLutSwapsExactlyTheSidedPairsAndIsAnInvolution(string name, int[] pairsInOrder)
    {
        var set = LabelSets.Get(name);
        var lut = set.FlipLut.ToArray();
        Assert.Equal(256, lut.Length);
        var expected = Enumerable.Range(0, 256).Select(v => (byte)v).ToArray();
        for (int i = 0; i < pairsInOrder.Length; i += 2)
            (expected[pairsInOrder[i]], expected[pairsInOrder[i + 1]]) = ((byte)pairsInOrder[i + 1], (byte)pairsInOrder[i]);
        Assert.Equal(expected, lut);
        for (int v = 0; v < 256; v++) Assert.Equal(v, lut[lut[v]]);
        // lips are not sided: u_lip/l_lip = upper/lower
        Assert.Equal(LabelSets.CelebAMaskHq.IdOf("l_lip"), LabelSets.CelebAMaskHq.FlipLut[LabelSets.CelebAMaskHq.IdOf("l_lip")]);
    }

    [Fact]
    public void SwapSidesAppliesTheFlipLut()
    {
        byte[] labels = [0, 4, 5, 6, 7, 12, 255];
        LabelSets.CelebAMaskHq.SwapSides(labels);
        Assert.Equal([0, 5, 4, 7, 6, 12, 255], labels);
    }

    [Fact]
    public void JsonDumpListsEverySetWithVersion()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(LabelSetJson.Dump());
        Assert.Equal("1", doc.RootElement.GetProperty("version").GetString());
        var sets = doc.RootElement.GetProperty("sets");
        Assert.Equal(5, sets.GetArrayLength());
        var hair = sets[0].GetProperty("classes")[13];
        Assert.Equal("hair", hair.GetProperty("name").GetString());
        Assert.Equal([0, 0, 204], hair.GetProperty("rgb").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("image", sets[3].GetProperty("sides").GetString());
        Assert.Equal(["l_ear", "r_ear"], sets[3].GetProperty("classes")[1].GetProperty("absorbs").EnumerateArray().Select(e => e.GetString()));
    }
}
