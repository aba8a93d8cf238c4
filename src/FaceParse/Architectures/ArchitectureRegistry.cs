using FaceParse.Architectures.FpLiif;

namespace FaceParse.Architectures;

/// <summary>The one table of architectures this build knows. Model files name their architecture; <c>faceparse train
/// --model</c> names a preset; both are looked up here and nowhere else.</summary>
/// <remarks>Built-in architectures are listed in <see cref="BuiltIn"/>; <see cref="Register"/> adds one at run time (tests,
/// plug-ins). Names and preset names are case-insensitive and unique across the table. Thread-safe.</remarks>
public static class ArchitectureRegistry
{
    private static readonly object Gate = new();

    /// <summary>The architectures compiled into FaceParse. Add a new one here (see docs/architectures.md).</summary>
    private static IArchitecture[] BuiltIn => [new FpLiifArchitecture(), new SegFace.SegFaceArchitecture()];

    private static volatile IArchitecture[] _table = BuiltIn;

    /// <summary>Every registered architecture, built-in ones first.</summary>
    public static IReadOnlyList<IArchitecture> All => _table;

    /// <summary>Every preset of every architecture, in table order.</summary>
    public static IReadOnlyList<string> Presets => [.. _table.SelectMany(a => a.Presets)];

    /// <summary>Adds an architecture. Registering the same instance again does nothing.</summary>
    /// <exception cref="ArgumentException">Another architecture already uses its name or one of its preset names.</exception>
    public static void Register(IArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentException.ThrowIfNullOrWhiteSpace(architecture.Name);
        lock (Gate)
        {
            if (_table.Contains(architecture)) return;
            if (Find(architecture.Name) is { } clash)
                throw new ArgumentException($"An architecture named '{clash.Name}' is already registered.", nameof(architecture));
            foreach (string preset in architecture.Presets)
                if (FindPreset(preset) is { } owner)
                    throw new ArgumentException($"Preset '{preset}' of '{architecture.Name}' is already a preset of '{owner.Architecture.Name}'.", nameof(architecture));
            _table = [.. _table, architecture];
        }
    }

    /// <summary>The architecture called <paramref name="name"/>, or null.</summary>
    public static IArchitecture? Find(string name) =>
        _table.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The architecture called <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">None is; the message lists the known ones (a model file of another build).</exception>
    public static IArchitecture Get(string name) => Find(name) ?? throw new InvalidDataException(
        $"Architecture '{name}' is not known to this build; it supports {string.Join(", ", _table.Select(a => a.Name))}.");

    /// <summary>The architecture owning a preset name and the preset's exact spelling, or null.</summary>
    public static (IArchitecture Architecture, string Preset)? FindPreset(string preset)
    {
        foreach (var architecture in _table)
            foreach (string p in architecture.Presets)
                if (string.Equals(p, preset, StringComparison.OrdinalIgnoreCase)) return (architecture, p);
        return null;
    }

    /// <summary>The architecture owning a preset name.</summary>
    /// <exception cref="ArgumentException">No architecture has that preset; the message lists them all.</exception>
    public static (IArchitecture Architecture, string Preset) GetPreset(string preset) => FindPreset(preset)
        ?? throw new ArgumentException($"Unknown model preset '{preset}'; known: {string.Join(", ", Presets)}.", nameof(preset));
}
