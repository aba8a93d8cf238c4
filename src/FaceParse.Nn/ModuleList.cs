using System.Collections;
using System.Globalization;

namespace FaceParse.Nn;

/// <summary>Children named 0, 1, … in order (torch.nn.ModuleList), so keys read <c>layers.3.weight</c>.</summary>
public class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = [];

    public ModuleList()
    {
    }

    public ModuleList(IEnumerable<T> modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary><paramref name="count"/> children, child i built from <c>vb.Sub(i)</c>.</summary>
    public ModuleList(VarBuilder vb, int count, Func<VarBuilder, int, T> make)
    {
        ArgumentNullException.ThrowIfNull(vb);
        for (int i = 0; i < count; i++) Add(make(vb.Sub(i), i));
    }

    /// <summary>Appends <paramref name="module"/> under the next index and returns it.</summary>
    public T Add(T module)
    {
        RegisterModule(_items.Count.ToString(CultureInfo.InvariantCulture), module);
        _items.Add(module);
        return module;
    }

    public T this[int index] => _items[index];

    public int Count => _items.Count;

    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A ModuleList whose forward chains its children (torch.nn.Sequential); every child must implement <see cref="IModule"/>.</summary>
/// <remarks>x: any shape accepted by child 0 → the shape child n−1 returns.</remarks>
public sealed class Sequential : ModuleList<Module>, IModule
{
    public Sequential(params Module[] modules) : base(modules)
    {
    }

    public Sequential(VarBuilder vb, int count, Func<VarBuilder, int, Module> make) : base(vb, count, make)
    {
    }

    public Tensors.Tensor Forward(Tensors.Tensor x)
    {
        for (int i = 0; i < Count; i++)
        {
            if (this[i] is not IModule m) throw new InvalidOperationException($"Sequential child {i} ({this[i].GetType().Name}) has no single-tensor Forward.");
            x = m.Forward(x);
        }
        return x;
    }
}
