using System.Globalization;
using FaceParse.Labels;

namespace FaceParse.Data;

/// <summary>Which official CelebAMask-HQ partition to list.</summary>
public enum CelebAMaskHqSplit { All, Train, Val, Test }

/// <summary>The official CelebAMask-HQ layout (SPEC §2): <c>CelebA-HQ-img/{id}.jpg</c> (1024²) and one binary mask per part,
/// <c>CelebAMask-HQ-mask-anno/{id/2000}/{id:05d}_{part}.png</c> (512²).</summary>
/// <remarks>
/// <para>Label maps are painted in official class order (skin, nose, eye_g, …, cloth): every non-zero pixel of a part mask gets
/// that class, later parts overwriting earlier ones; a missing part file means the part is absent. Labels use
/// <see cref="LabelSets.CelebAMaskHq"/>. Images and masks need only the same aspect ratio.</para>
/// <para>Splits: HQ id → CelebA file via <c>CelebA-HQ-to-CelebA-mapping.txt</c> (rows "idx orig_idx orig_file"), then the file's
/// partition in CelebA's <c>list_eval_partition.txt</c> (rows "file partition", 0 train, 1 val, 2 test). Both are looked for in
/// the root unless given.</para>
/// </remarks>
public sealed class CelebAMaskHqDataset : FaceParsingDataset
{
    public const string ImageFolder = "CelebA-HQ-img";
    public const string MaskFolder = "CelebAMask-HQ-mask-anno";
    public const string MappingFile = "CelebA-HQ-to-CelebA-mapping.txt";
    public const string PartitionFile = "list_eval_partition.txt";

    private readonly Dictionary<string, string?[]> _parts;

    private CelebAMaskHqDataset(string root, IReadOnlyList<DatasetSample> samples, Dictionary<string, string?[]> parts, CelebAMaskHqSplit split)
        : base("celebamask-hq", root, LabelSets.CelebAMaskHq, samples, ImageMaskSizeRule.SameAspectRatio)
    {
        _parts = parts;
        Split = split;
    }

    public CelebAMaskHqSplit Split { get; }

    /// <summary>The part mask files of a sample by class id (index 0, background, is always null; null = part absent).</summary>
    public IReadOnlyList<string?> PartFiles(DatasetSample sample) => _parts[sample.Stem];

    /// <exception cref="DatasetLayoutException">Missing folders, split files, an image without any part mask, no samples.</exception>
    public static CelebAMaskHqDataset Open(string root, CelebAMaskHqSplit split = CelebAMaskHqSplit.All, string? mappingFile = null, string? partitionFile = null)
    {
        const string layout = "CelebAMask-HQ";
        string images = DatasetFiles.RequireFolder(root, ImageFolder, layout, "photos {id}.jpg");
        string masks = DatasetFiles.RequireFolder(root, MaskFolder, layout, "part masks {id/2000}/{id:05d}_{part}.png");
        var imageById = DatasetFiles.ByStem(images, [".jpg"], layout)
            .Where(kv => int.TryParse(kv.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .ToDictionary(kv => int.Parse(kv.Key, CultureInfo.InvariantCulture), kv => kv.Value);
        if (imageById.Count == 0) throw new DatasetLayoutException($"{layout} layout: no {{id}}.jpg photos in {images}; {DatasetFiles.Describe(images)}", images);
        var parts = IndexParts(masks);
        HashSet<int>? keep = split == CelebAMaskHqSplit.All ? null
            : ReadPartition(mappingFile ?? Path.Combine(root, MappingFile), partitionFile ?? Path.Combine(root, PartitionFile), (int)split - 1);

        var samples = new List<DatasetSample>();
        var partFiles = new Dictionary<string, string?[]>(StringComparer.Ordinal);
        var missing = new List<int>();
        foreach (var (id, image) in imageById.OrderBy(kv => kv.Key))
        {
            if (keep is not null && !keep.Contains(id)) continue;
            if (!parts.TryGetValue(id, out var files))
            {
                missing.Add(id);
                continue;
            }
            string stem = id.ToString(CultureInfo.InvariantCulture);
            samples.Add(new DatasetSample(stem, image, Path.Combine(masks, (id / 2000).ToString(CultureInfo.InvariantCulture), $"{id:D5}_*.png")));
            partFiles[stem] = files;
        }
        if (missing.Count > 0)
            throw new DatasetLayoutException($"{layout} layout at {root}: {missing.Count} image(s) have no part mask at all in {masks}, e.g. " +
                string.Join(", ", missing.Take(5).Select(id => $"{id} (expected {Path.Combine(masks, (id / 2000).ToString(CultureInfo.InvariantCulture), $"{id:D5}_skin.png")})")), masks);
        if (samples.Count == 0)
            throw new DatasetLayoutException($"{layout} layout at {root}: the {split} split selects none of the {imageById.Count} images.", root);
        return new CelebAMaskHqDataset(root, samples, partFiles, split);
    }

    /// <summary>Paints the part masks in class order. Shape: 18 × [H, W] binary → [H, W] class ids.</summary>
    public override LabelMap LoadMask(DatasetSample sample)
    {
        var files = _parts[sample.Stem];
        LabelMap? map = null;
        for (int id = 1; id < files.Length; id++)
        {
            if (files[id] is not string file) continue;
            var (w, h, set) = MaskFiles.LoadPart(file);
            map ??= new LabelMap(w, h, new byte[w * h]);
            if (w != map.Width || h != map.Height)
                throw new DatasetContentException($"Part mask {file} is {w}x{h} but other parts of sample {sample.Stem} are {map.Width}x{map.Height}.", file);
            for (int i = 0; i < set.Length; i++)
            {
                if (set[i]) map.Labels[i] = (byte)id;
            }
        }
        return map!;
    }

    /// <summary>Header-only size of the part masks; all parts must agree. Part masks may be gray, RGB or palette (non-zero = set).</summary>
    public override (int Width, int Height) ReadMaskSize(DatasetSample sample)
    {
        (int Width, int Height)? size = null;
        string? first = null;
        foreach (var file in _parts[sample.Stem])
        {
            if (file is null) continue;
            var info = MaskFiles.ReadPngHeader(file);
            if (size is null) (size, first) = ((info.Width, info.Height), file);
            else if (size != (info.Width, info.Height))
                throw new DatasetContentException($"Part mask {file} is {info.Width}x{info.Height} but {first} is {size.Value.Width}x{size.Value.Height}.", file);
        }
        return size!.Value;
    }

    /// <summary>id → part file per class id, from one listing of each numbered sub-folder.</summary>
    private static Dictionary<int, string?[]> IndexParts(string masks)
    {
        var classes = LabelSets.CelebAMaskHq;
        var result = new Dictionary<int, string?[]>();
        foreach (var folder in Directory.EnumerateDirectories(masks))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*.png"))
            {
                string name = Path.GetFileNameWithoutExtension(file);
                int underscore = name.IndexOf('_');
                if (underscore < 1 || !int.TryParse(name.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out int id)) continue;
                if (!classes.TryGetId(name[(underscore + 1)..], out int classId) || classId == 0) continue;
                if (!result.TryGetValue(id, out var files)) result[id] = files = new string?[classes.Count];
                files[classId] = file;
            }
        }
        return result;
    }

    /// <summary>HQ ids whose CelebA file has partition <paramref name="partition"/>.</summary>
    private static HashSet<int> ReadPartition(string mappingPath, string partitionPath, int partition)
    {
        const string layout = "CelebAMask-HQ";
        DatasetFiles.RequireFile(mappingPath, layout, "HQ id → CelebA file, rows 'idx orig_idx orig_file'");
        DatasetFiles.RequireFile(partitionPath, layout, "CelebA partition, rows 'file 0|1|2'");
        var partitionOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (fields, line) in Rows(partitionPath))
        {
            if (fields.Length != 2 || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out int p) || p is < 0 or > 2)
                throw new DatasetLayoutException($"{partitionPath}, line {line}: expected 'file partition' with partition 0, 1 or 2.", partitionPath);
            partitionOf[fields[0]] = p;
        }
        var ids = new HashSet<int>();
        foreach (var (fields, line) in Rows(mappingPath))
        {
            if (fields.Length == 3 && fields[0] == "idx") continue; // header
            if (fields.Length != 3 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out int id))
                throw new DatasetLayoutException($"{mappingPath}, line {line}: expected 'idx orig_idx orig_file'.", mappingPath);
            if (!partitionOf.TryGetValue(fields[2], out int p))
                throw new DatasetLayoutException($"{mappingPath}, line {line}: {fields[2]} is not listed in {partitionPath}.", mappingPath);
            if (p == partition) ids.Add(id);
        }
        return ids;
    }

    private static IEnumerable<(string[] Fields, int Line)> Rows(string path) => File.ReadLines(path)
        .Select((text, i) => (text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), i + 1))
        .Where(r => r.Item1.Length > 0);
}
