using FaceParse.Labels;

namespace FaceParse.Data;

/// <summary>Opens a dataset by layout name, as the command line names it: folder, celebamask-hq, lapa or helen.</summary>
public static class DatasetLayouts
{
    public static IReadOnlyList<string> Names { get; } = ["folder", "celebamask-hq", "lapa", "helen"];

    /// <summary>Opens one split of a dataset.</summary>
    /// <param name="layout">Layout name.</param>
    /// <param name="root">Dataset root.</param>
    /// <param name="labels">Label set of the masks: used by the folder layout; the other layouts have their own and it must
    /// name that one (so a model is never trained or scored against a misread table).</param>
    /// <param name="split">Folder layout: a split file (null = every sample); a relative path is taken relative to the current
    /// directory when such a file exists there, else relative to the root. Other layouts: a split name (train, val, test;
    /// celebamask-hq also all); null = <paramref name="defaultSplit"/>.</param>
    /// <param name="defaultSplit">"train" or "val"; Helen has no val split and uses test.</param>
    /// <exception cref="DatasetLayoutException">The layout does not fit the folder, or the label set does not fit the layout.</exception>
    public static FaceParsingDataset Open(string layout, string root, LabelSet labels, string? split, string defaultSplit)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!Directory.Exists(root)) throw new DatasetLayoutException($"Dataset folder {root} does not exist.", root);
        FaceParsingDataset dataset = layout switch
        {
            "folder" => FolderDataset.Open(root, labels, ResolveSplitFile(split)),
            "celebamask-hq" => CelebAMaskHqDataset.Open(root, ParseCelebASplit(split ?? defaultSplit, root)),
            "lapa" => LaPaDataset.Open(root, SplitName(split ?? defaultSplit, ["train", "val", "test"], "LaPa", root)),
            "helen" => HelenDataset.Open(root, SplitName(split ?? (defaultSplit == "val" ? "test" : defaultSplit), ["train", "test"], "Helen", root)),
            _ => throw new ArgumentException($"Unknown dataset layout '{layout}'; use one of {string.Join(", ", Names)}."),
        };
        if (dataset.Labels.Name != labels.Name)
            throw new DatasetLayoutException($"The {layout} layout uses label set '{dataset.Labels.Name}', but '{labels.Name}' was asked for; " +
                $"pass --labels {dataset.Labels.Name}.", root);
        return dataset;
    }

    private static string? ResolveSplitFile(string? split) =>
        split is not null && !Path.IsPathRooted(split) && File.Exists(split) ? Path.GetFullPath(split) : split;

    private static string SplitName(string split, string[] allowed, string layout, string root) => allowed.Contains(split) ? split
        : throw new DatasetLayoutException($"{layout} split must be {string.Join(", ", allowed)}, got '{split}' (split files are for the folder layout).", root);

    private static CelebAMaskHqSplit ParseCelebASplit(string split, string root) => split switch
    {
        "all" => CelebAMaskHqSplit.All,
        "train" => CelebAMaskHqSplit.Train,
        "val" => CelebAMaskHqSplit.Val,
        "test" => CelebAMaskHqSplit.Test,
        _ => throw new DatasetLayoutException($"CelebAMask-HQ split must be all, train, val or test, got '{split}'.", root),
    };
}
