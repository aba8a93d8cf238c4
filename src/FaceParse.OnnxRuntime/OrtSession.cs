using Microsoft.ML.OnnxRuntime;

namespace FaceParse.OnnxRuntime;

/// <summary>One ONNX Runtime inference session on the CPU execution provider over an in-memory model, with float32
/// inputs and outputs as plain arrays. Used by the engine, the tests' cross-checks and the side-by-side benchmarks.</summary>
public sealed class OrtSession : IDisposable
{
    private readonly InferenceSession _session;

    /// <param name="model">ONNX ModelProto bytes.</param>
    /// <param name="threads">Intra-op threads (null: ONNX Runtime's default). Inter-op runs sequentially.</param>
    /// <param name="optimize">ORT's full graph optimisation (its fastest); false keeps the graph as written (op conformance).</param>
    public OrtSession(byte[] model, int? threads = null, bool optimize = true)
    {
        OrtAvailability.Require();
        using var options = new SessionOptions
        {
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
        };
        if (threads is { } t) options.IntraOpNumThreads = t;
        _session = new InferenceSession(model, options);
    }

    /// <summary>Runs the graph: named float inputs → every output as (values, shape).</summary>
    public IReadOnlyList<(float[] Values, long[] Shape)> Run(IReadOnlyList<(string Name, float[] Values, long[] Shape)> inputs)
    {
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Values, i.Shape)).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, inputs.Select(i => i.Name).ToList(), values, _session.OutputNames);
            return [.. outputs.Select(o => (o.GetTensorDataAsSpan<float>().ToArray(), o.GetTensorTypeAndShape().Shape))];
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Runs a graph with one input and one output.</summary>
    public (float[] Values, long[] Shape) Run(string input, float[] values, long[] shape) => Run([(input, values, shape)])[0];

    /// <summary>A run with inputs and pre-allocated outputs bound once, for timing: <see cref="PreparedRun.Run"/> then costs only
    /// the execution (no input copies, no output allocation).</summary>
    public PreparedRun Prepare(IReadOnlyList<(string Name, float[] Values, long[] Shape)> inputs, IReadOnlyList<(string Name, long[] Shape)> outputs) =>
        new(_session, inputs, outputs);

    /// <summary>The model's metadata_props.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _session.ModelMetadata.CustomMetadataMap;

    public void Dispose() => _session.Dispose();
}

/// <summary>A session run with its inputs and outputs bound (see <see cref="OrtSession.Prepare"/>).</summary>
public sealed class PreparedRun : IDisposable
{
    private readonly InferenceSession _session;
    private readonly List<string> _inputNames, _outputNames;
    private readonly List<OrtValue> _inputs, _outputs;
    private readonly RunOptions _options = new();

    internal PreparedRun(InferenceSession session, IReadOnlyList<(string Name, float[] Values, long[] Shape)> inputs, IReadOnlyList<(string Name, long[] Shape)> outputs)
    {
        _session = session;
        _inputNames = [.. inputs.Select(i => i.Name)];
        _inputs = [.. inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Values, i.Shape))];
        _outputNames = [.. outputs.Select(o => o.Name)];
        _outputs = [.. outputs.Select(o => OrtValue.CreateTensorValueFromMemory(new float[o.Shape.Aggregate(1L, (a, d) => a * d)], o.Shape))];
    }

    public void Run() => _session.Run(_options, _inputNames, _inputs, _outputNames, _outputs);

    /// <summary>Output <paramref name="index"/> of the last run.</summary>
    public ReadOnlySpan<float> Output(int index) => _outputs[index].GetTensorDataAsSpan<float>();

    public void Dispose()
    {
        foreach (var v in _inputs.Concat(_outputs)) v.Dispose();
        _options.Dispose();
    }
}

/// <summary>Whether ONNX Runtime's native library loads here, and its version.</summary>
public static class OrtAvailability
{
    private static readonly Lazy<(string? Why, string Version)> State = new(Probe);

    /// <summary>Environment variable that, set to 1, makes ONNX Runtime unavailable (forces the managed engine; exercises the
    /// fallbacks).</summary>
    public const string DisableVariable = "FACEPARSE_ORT_DISABLE";

    /// <summary>Why ONNX Runtime cannot run here (its native library did not load, or <see cref="DisableVariable"/>=1), or null
    /// when it can.</summary>
    public static string? Unavailable() =>
        Environment.GetEnvironmentVariable(DisableVariable) == "1" ? $"ONNX Runtime is disabled ({DisableVariable}=1)" : State.Value.Why;

    /// <summary>"onnxruntime 1.32.0".</summary>
    public static string EngineName => $"onnxruntime {State.Value.Version}";

    /// <summary>Throws <see cref="InvalidOperationException"/> saying why when ONNX Runtime cannot run.</summary>
    public static void Require()
    {
        if (Unavailable() is { } why) throw new InvalidOperationException(why);
    }

    private static (string?, string) Probe()
    {
        try { return (null, OrtEnv.Instance().GetVersionString()); }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException or OnnxRuntimeException)
        {
            return ($"ONNX Runtime's native library could not be loaded ({e.GetBaseException().Message})", "unavailable");
        }
    }
}
