using FaceParse.Inference;

namespace FaceParse.Server;

/// <summary>The models a server answers with, loaded once at start and shared by every request (a <see cref="SegmentationModel"/>
/// is only read during a parse, so one instance serves any number of concurrent parses).</summary>
public sealed class ModelCatalog
{
    private readonly Dictionary<string, ServedModel> _byName = new(StringComparer.OrdinalIgnoreCase);

    public ModelCatalog(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var models = new List<ServedModel>();
        foreach (string reference in options.Models)
        {
            var model = ModelRegistry.Load(reference);
            var served = new ServedModel(model.Name, reference, model);
            if (_byName.ContainsKey(served.Name)) throw new ArgumentException($"--model: '{reference}' loads '{served.Name}', which is already served");
            models.Add(served);
            _byName[served.Name] = served;
        }
        foreach (var served in models)
        {
            // The reference it was loaded by ("default", a file stem) is an alias, unless it is a path or already taken.
            if (!_byName.ContainsKey(served.Reference) && served.Reference.IndexOfAny(['/', '\\']) < 0) _byName[served.Reference] = served;
        }
        Models = models;
    }

    /// <summary>The models in the order they were named; the first answers requests that name none.</summary>
    public IReadOnlyList<ServedModel> Models { get; }

    public ServedModel Default => Models[0];

    /// <summary>The model a request names (its name or the reference it was loaded by), or the default for null/empty.</summary>
    /// <exception cref="ApiException">404 with the served names when unknown.</exception>
    public ServedModel Get(string? name)
    {
        if (string.IsNullOrEmpty(name)) return Default;
        return _byName.TryGetValue(name, out var served) ? served
            : throw new ApiException(404, "unknown_model", $"No model '{name}' is served here. Served: {string.Join(", ", Models.Select(m => m.Name))} (see GET /v1/models).");
    }
}

/// <summary>One served model: its name, the reference it was loaded by, and the network.</summary>
public sealed record ServedModel(string Name, string Reference, SegmentationModel Model);
