using FaceParse.Imaging;
using FaceParse.Imaging.Png;

namespace FaceParse.Tests.Training;

/// <summary>A generated folder-layout dataset in a temp folder (deleted on dispose): <c>images/NNN.png</c> RGB photos of simple
/// shapes and <c>masks/NNN.png</c> gray label maps, plus <c>train.txt</c> / <c>val.txt</c> split files.</summary>
/// <remarks>Each image: a gray noisy background (class <c>classes[0]</c>), a reddish ellipse (<c>classes[1]</c>), a bluish bar
/// (<c>classes[2]</c>) and a greenish square (<c>classes[3]</c>), at seeded random places. <c>classes</c> are mask values, so the
/// same scene can be written in any label set's ids.</remarks>
public sealed class SyntheticFaceSet : IDisposable
{
    public SyntheticFaceSet(int count, int size, byte[] classes, int valCount, int seed = 1)
    {
        Root = Path.Combine(Path.GetTempPath(), "faceparse-synth-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "images"));
        Directory.CreateDirectory(Path.Combine(Root, "masks"));
        var rng = new Random(seed);
        byte[][] colours = [[128, 128, 128], [230, 50, 50], [50, 80, 230], [60, 200, 80]];
        var stems = new List<string>();
        for (int n = 0; n < count; n++)
        {
            var image = new Image(size, size, 3);
            var mask = new byte[size * size];
            int ey = rng.Next(size / 4, 3 * size / 4), ex = rng.Next(size / 4, 3 * size / 4), r = Math.Max(3, size / 6);
            int bx = rng.Next(1, size - size / 6), sq = rng.Next(1, size - size / 5);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    double dy = (double)(y - ey) / r, dx = (double)(x - ex) / r;
                    int shape = dy * dy + dx * dx <= 1 ? 1 : x >= bx && x < bx + size / 8 ? 2 : y >= sq && y < sq + size / 5 && x >= sq && x < sq + size / 5 ? 3 : 0;
                    mask[y * size + x] = classes[shape];
                    for (int c = 0; c < 3; c++)
                        image.Pixels[(y * size + x) * 3 + c] = (byte)Math.Clamp(colours[shape][c] + rng.Next(-20, 21), 0, 255);
                }
            string stem = n.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
            File.WriteAllBytes(Path.Combine(Root, "images", stem + ".png"), PngEncoder.Encode(image));
            File.WriteAllBytes(Path.Combine(Root, "masks", stem + ".png"), PngEncoder.Encode(new Image(size, size, 1, mask)));
            stems.Add(stem);
        }
        File.WriteAllLines(TrainSplit, stems.Take(count - valCount));
        File.WriteAllLines(ValSplit, stems.Skip(count - valCount));
    }

    public string Root { get; }
    public string TrainSplit => Path.Combine(Root, "train.txt");
    public string ValSplit => Path.Combine(Root, "val.txt");

    /// <summary>A fresh run-directory path inside the dataset's temp folder (not created).</summary>
    public string NewRunDir(string name) => Path.Combine(Root, "runs", name);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a leftover temp folder is harmless */ }
    }
}
