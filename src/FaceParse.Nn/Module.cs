using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>A module whose forward maps one tensor to one tensor (what <see cref="Sequential"/> chains).</summary>
public interface IModule
{
    Tensor Forward(Tensor x);
}

/// <summary>Base of every layer and model: a tree of named children, parameters and buffers (torch.nn.Module).</summary>
/// <remarks>
/// Keys are the registration names joined by '.', exactly as PyTorch builds them, so a model whose fields are
/// registered under the names of the original torch attributes has the checkpoint's state-dict keys
/// (<c>decoder.layers.0.weight</c>). Order is torch's: a module's own parameters, then its buffers, then its children.
/// Layers usually register through the <see cref="VarBuilder"/> helpers (<see cref="Param"/>, <see cref="Child{T}"/>),
/// which keep the builder path and the registration name the same string. A layer, once its op exists:
/// <code>
/// // x: [N, in] → [N, out]
/// public sealed class Linear : Module, IModule
/// {
///     public Linear(VarBuilder vb, int inFeatures, int outFeatures)
///     {
///         Weight = Param(vb, "weight", [outFeatures, inFeatures], Init.TorchDefault);
///         Bias = Param(vb, "bias", [outFeatures], Init.TorchBias(inFeatures));
///     }
///     public Tensor Weight { get; }
///     public Tensor Bias { get; }
///     public Tensor Forward(Tensor x) => Tensor.Linear(x, Weight, Bias);
/// }
/// // in a parent: Head = Child(vb, "head", v => new Linear(v, 256, 19));
/// </code>
/// The same constructor initialises (<c>VarBuilder.Init(seed)</c>) or imports a PyTorch checkpoint
/// (<c>VarBuilder.From(stateDict)</c>, then <see cref="VarBuilder.UnusedKeys"/>); <see cref="LoadStateDict"/>
/// copies a state dict into an existing model (resume). Build models outside any <see cref="TensorScope"/>:
/// a scope reclaims every tensor created while it is open.
/// </remarks>
public abstract partial class Module
{
    private readonly List<KeyValuePair<string, Module>> _children = [];
    private readonly List<KeyValuePair<string, Tensor>> _parameters = [];
    private readonly List<(string Name, Tensor Tensor, bool Persistent)> _buffers = [];

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers <paramref name="module"/> as the child <paramref name="name"/> and returns it.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckNewName(name);
        if (ReferenceEquals(module, this)) throw new ArgumentException($"Module cannot be its own child ('{name}').");
        module.Train(Training);
        _children.Add(new(name, module));
        return module;
    }

    /// <summary>Registers a trainable tensor under <paramref name="name"/>; it becomes a parameter (see <see cref="Parameter"/>).</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        CheckNewName(name);
        Parameter.Adopt(tensor, tensor.Name ?? name);
        _parameters.Add(new(name, tensor));
        return tensor;
    }

    /// <summary>Registers state that is not trained (running statistics). Non-persistent buffers stay out of the state dict.</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor, bool persistent = true)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckNewName(name);
        tensor.Name ??= name;
        _buffers.Add((name, tensor, persistent));
        return tensor;
    }

    /// <summary>Gets <paramref name="name"/> from the builder (loaded or initialised) and registers it as a parameter.</summary>
    protected Tensor Param(VarBuilder vb, string name, int[] shape, Initializer init) =>
        RegisterParameter(name, vb.Get(name, shape, init));

    /// <summary>Gets <paramref name="name"/> from the builder and registers it as a buffer.</summary>
    protected Tensor Buffer(VarBuilder vb, string name, int[] shape, Initializer init, bool persistent = true) =>
        RegisterBuffer(name, persistent ? vb.Get(name, shape, init) : vb.Create(name, shape, init), persistent);

    /// <summary>Builds a child from the sub-builder <c>vb.Sub(name)</c> and registers it under the same name.</summary>
    protected T Child<T>(VarBuilder vb, string name, Func<VarBuilder, T> make) where T : Module =>
        RegisterModule(name, make(vb.Sub(name)));

    private void CheckNewName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"Invalid module attribute name '{name}': it must be non-empty and contain no '.'.", nameof(name));
        if (_children.Exists(c => c.Key == name) || _parameters.Exists(p => p.Key == name) || _buffers.Exists(b => b.Name == name))
            throw new ArgumentException($"'{name}' is already registered on {GetType().Name}.", nameof(name));
    }

    /// <summary>Direct children, in registration order.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedChildren() => _children;

    /// <summary>This module (key "") and every descendant with its key path, depth first.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        yield return new(prefix, this);
        foreach (var (name, child) in _children)
            foreach (var entry in child.NamedModules(Join(prefix, name)))
                yield return entry;
    }

    /// <summary>Every parameter with its key path; a tensor registered twice (tied weights) appears once, under its first key.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (path, module) in NamedModules())
            foreach (var (name, p) in module._parameters)
                if (seen.Add(p)) yield return new(Join(path, name), p);
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>Every buffer (persistent or not) with its key path.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers()
    {
        foreach (var (path, module) in NamedModules())
            foreach (var (name, b, _) in module._buffers)
                yield return new(Join(path, name), b);
    }

    /// <summary>Number of trainable scalars (distinct parameters).</summary>
    public long ParameterCount => Parameters().Sum(p => (long)p.Count);

    /// <summary>Sets training mode on this module and every descendant; returns this.</summary>
    public Module Train(bool training = true)
    {
        Training = training;
        foreach (var (_, child) in _children) child.Train(training);
        return this;
    }

    /// <summary>Evaluation mode (BatchNorm uses running statistics, dropout is off); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>Drops every parameter's gradient (torch's zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>Freezes (false) or unfreezes (true) every parameter (torch's requires_grad_).</summary>
    public void SetRequiresGrad(bool requiresGrad)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
    }

    internal static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
