using FaceParse.Labels;

namespace FaceParse.Tests.Labels;

public class LabelMappingTests
{
    private static byte[] AllValues() => [.. Enumerable.Range(0, 256).Select(v => (byte)v)];

    [Theory]
    [InlineData("segface")]
    [InlineData("bisenet")]
    public void OfficialToOtherOrderAndBackIsIdentity(string other)
    {
        var there = LabelMapping.Create("celebamask-hq", other);
        var back = LabelMapping.Create(other, "celebamask-hq");
        var ids = Enumerable.Range(0, 19).Select(v => (byte)v).ToArray();
        Assert.Equal(ids, back.Apply(there.Apply(ids)));
        // a permutation: every official class lands on a distinct id
        Assert.Equal(19, there.Apply(ids).Distinct().Count());
    }

    [Fact]
    public void OfficialToSegFaceByName()
    {
        var map = LabelMapping.Create(LabelSets.CelebAMaskHq, LabelSets.SegFace);
        Assert.Equal(2, map[1]);   // skin
        Assert.Equal(1, map[17]);  // neck
        Assert.Equal(15, map[3]);  // eye_g
        Assert.Equal(8, map[4]);   // l_eye
        Assert.Equal(255, map[255]);
        Assert.Equal(255, map[19]); // out of range → unmapped (ignore)
    }

    [Fact]
    public void BiSeNetMappingMatchesTheSharedClassMapFile()
    {
        string path = SharedData.PathOf("celebamask-hq-mini1000/class_map_to_zllrunning_bisenet.txt");
        var map = LabelMapping.Create(LabelSets.CelebAMaskHq, LabelSets.BiSeNet);
        int rows = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith('#') || line.Trim().Length == 0) continue;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int official = int.Parse(f[0]), zll = int.Parse(f[1]);
            Assert.Equal(zll, map[(byte)official]);
            Assert.Equal(f[2], LabelSets.BiSeNet[zll].Name);
            rows++;
        }
        Assert.Equal(19, rows);
    }

    [Fact]
    public void LaPaToOfficialSwapsSides()
    {
        var map = LabelMapping.Create("lapa", "celebamask-hq");
        // LaPa: 2 left brow, 3 right brow, 4 left eye, 5 right eye (IMAGE left/right)
        // official: 4 l_eye, 5 r_eye, 6 l_brow, 7 r_brow (SUBJECT left/right = image right/left)
        Assert.Equal([0, 1, 7, 6, 5, 4, 2, 11, 10, 12, 13], map.Apply(AllValues())[..11]);
    }

    [Fact]
    public void OfficialToLaPaFoldsEarsIntoSkinAndDropsTheRest()
    {
        var ignore = LabelMapping.Create("celebamask-hq", "lapa").Apply(AllValues());
        //                  bg sk no eg le re lb rb lr rr mo ul ll ha ht er nl nk cl
        Assert.Equal(new byte[] { 0, 1, 6, 255, 5, 4, 3, 2, 1, 1, 8, 7, 9, 10, 255, 255, 255, 255, 255 }, ignore[..19]);
        var background = LabelMapping.Create("celebamask-hq", "lapa", UnmappedPolicy.Background).Apply(AllValues());
        Assert.Equal(new byte[] { 0, 1, 6, 0, 5, 4, 3, 2, 1, 1, 8, 7, 9, 10, 0, 0, 0, 0, 0 }, background[..19]);
        Assert.Equal(255, background[255]);
        Assert.Equal(0, background[200]);
    }

    [Fact]
    public void OfficialToHelenLeavesEarsUnmapped()
    {
        var map = LabelMapping.Create("celebamask-hq", "helen");
        Assert.Equal(255, map[8]);
        Assert.Equal(255, map[9]);
        Assert.Equal(4, map[5]); // r_eye (subject) = Helen left_eye (image)
    }

    [Fact]
    public void MappingCommutesWithFlip()
    {
        // flipping then mapping = mapping then flipping, for every pair of sets (on classes that map)
        foreach (var from in LabelSets.All)
        foreach (var to in LabelSets.All)
        {
            var map = LabelMapping.Create(from, to);
            for (int v = 0; v < from.Count; v++)
            {
                byte viaFlipFirst = map[from.FlipLut[v]];
                byte target = map[(byte)v];
                byte viaMapFirst = target == 255 ? (byte)255 : to.FlipLut[target];
                Assert.True(viaFlipFirst == viaMapFirst, $"{from.Name}→{to.Name} class {v}");
            }
        }
    }
}
