namespace FaceParse.Inference;

/// <summary>Turns a model reference — a file path or a registered name — into a loaded <see cref="SegmentationModel"/>.</summary>
/// <remarks>
/// <para>A reference is first tried as a file path. Otherwise it is a name: an alias (<c>default</c> →
/// <see cref="DefaultModelName"/>) or the file stem of any <c>*.safetensors</c> in a models folder. Folders are searched in
/// this order, first match wins:</para>
/// <list type="number">
/// <item>every folder in the <c>FACEPARSE_MODELS</c> environment variable (separated by <see cref="Path.PathSeparator"/>);</item>
/// <item><c>&lt;AppContext.BaseDirectory&gt;/models</c> (the CLI copies the repository's models there on build);</item>
/// <item>walking up from the base directory, the <c>models/</c> folder beside the first <c>FaceParse.slnx</c> (dev checkouts).</item>
/// </list>
/// <para>The environment is read on every call, so a change of <c>FACEPARSE_MODELS</c> takes effect at once.</para>
/// </remarks>
public static class ModelRegistry
{
    /// <summary>The shipped model that the name <c>default</c> refers to.</summary>
    public const string DefaultModelName = "fp-liif-small-celebamask-mini";

    /// <summary>Environment variable naming extra models folders, searched first.</summary>
    public const string EnvironmentVariable = "FACEPARSE_MODELS";

    public const string Extension = ".safetensors";

    /// <summary>Names that stand for another model name.</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["default"] = DefaultModelName };

    /// <summary>The models folders in search order (whether or not they exist).</summary>
    public static IReadOnlyList<string> SearchFolders()
    {
        var folders = new List<string>();
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            folders.AddRange(fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        folders.Add(Path.Combine(AppContext.BaseDirectory, "models"));
        if (CheckoutModelsFolder() is { } checkout) folders.Add(checkout);
        return folders.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every name a reference may use: the aliases whose target exists and the stems of the segmentation models found in
    /// the models folders, sorted. A file counts when its header carries a model description (<see cref="ModelFile.MetadataKey"/>),
    /// so other weights kept beside the models (the MTCNN detector, checkpoints) are not offered as segmentation models.</summary>
    public static IReadOnlyList<string> AvailableNames()
    {
        var stems = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string folder in SearchFolders().Where(Directory.Exists))
            foreach (string file in Directory.EnumerateFiles(folder, "*" + Extension).Where(IsSegmentationModel))
                stems.Add(Path.GetFileNameWithoutExtension(file));
        foreach (var (alias, target) in Aliases)
            if (stems.Contains(target)) stems.Add(alias);
        return [.. stems];
    }

    /// <summary>The file a reference points to.</summary>
    /// <exception cref="FileNotFoundException">Neither an existing file nor a known name; the message lists the folders searched
    /// and the names available.</exception>
    public static string ResolvePath(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        if (File.Exists(reference)) return Path.GetFullPath(reference);
        string name = Aliases.TryGetValue(reference, out var target) ? target : reference;
        if (!LooksLikeName(name))
            throw new FileNotFoundException(Directory.Exists(reference)
                ? $"Model file '{reference}' is a folder, not a .safetensors file."
                : $"Model file '{reference}' does not exist. Available names: {AvailableText()}.", reference);
        var folders = SearchFolders();
        foreach (string folder in folders)
        {
            string candidate = Path.Combine(folder, name + Extension);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(NotFoundMessage(reference, name, folders), reference);
    }

    /// <summary>Resolves and loads a model (see <see cref="ResolvePath"/>); with <paramref name="preset"/> it must be that
    /// preset (see <see cref="SegmentationModel.Load(string, string?)"/>).</summary>
    public static SegmentationModel Load(string reference, string? preset = null) => SegmentationModel.Load(ResolvePath(reference), preset);

    private static bool IsSegmentationModel(string file)
    {
        try { return FaceParse.Tensors.Serialization.SafeTensors.ReadMetadata(file).ContainsKey(ModelFile.MetadataKey); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException) { return false; }
    }

    private static bool LooksLikeName(string name) =>
        name.IndexOfAny(['/', '\\']) < 0 && !name.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    private static string NotFoundMessage(string reference, string name, IReadOnlyList<string> folders)
    {
        string alias = name == reference ? "" : $" ('{reference}' stands for '{name}')";
        string searched = string.Join("; ", folders.Select(f => Directory.Exists(f) ? f : f + " (missing)"));
        return $"Model '{reference}'{alias} is neither a file nor a registered name. Searched for {name}{Extension} in: {searched}. " +
            $"Available names: {AvailableText()}. Pass a .safetensors path, or set {EnvironmentVariable} to a folder of models.";
    }

    private static string AvailableText()
    {
        var names = AvailableNames();
        return names.Count == 0 ? "none (no *.safetensors in the models folders)" : string.Join(", ", names);
    }

    // The models/ folder beside the nearest FaceParse.slnx above the base directory (listed even while missing), if any.
    private static string? CheckoutModelsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceParse.slnx"))) return Path.Combine(dir.FullName, "models");
        }
        return null;
    }
}
