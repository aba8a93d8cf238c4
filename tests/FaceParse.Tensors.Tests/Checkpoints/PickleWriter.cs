using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using FaceParse.Tensors.Serialization.PyTorch;

namespace FaceParse.Tensors.Tests.Checkpoints;

/// <summary>A tiny pickle writer emitting what Python's own pickler does (protocol 2 or 4) for plain values, tensors and
/// OrderedDicts — so tests (and other test projects: SegFace writes a real-format .pt with it) can build checkpoints
/// without Python. Values: null, bool, long, BigInteger, double, string, byte[], <see cref="PickleList"/>,
/// <see cref="PickleTuple"/>, <see cref="PickleDict"/> (dict/OrderedDict/Counter), <see cref="PickleSet"/> and
/// <see cref="TensorRef"/>.</summary>
public sealed class PickleWriter(int protocol = 2)
{
    /// <summary>A tensor to pickle as torch._utils._rebuild_tensor_v2 over persistent storage <paramref name="StorageKey"/>.</summary>
    public sealed record TensorRef(string StorageKey, string StorageType, long StorageNumel, long Offset, long[] Shape, long[] Stride);

    private readonly MemoryStream _out = new();

    public byte[] Write(object? value)
    {
        _out.SetLength(0);
        _out.WriteByte(0x80);
        _out.WriteByte((byte)protocol);
        Value(value);
        _out.WriteByte((byte)'.');
        return _out.ToArray();
    }

    private void Value(object? v)
    {
        switch (v)
        {
            case null: Op('N'); break;
            case bool b: _out.WriteByte(b ? (byte)0x88 : (byte)0x89); break;
            case long l: Int(l); break;
            case int i: Int(i); break;
            case BigInteger big: Long1(big); break;
            case double d: Op('G'); Span<byte> f = stackalloc byte[8]; BinaryPrimitives.WriteDoubleBigEndian(f, d); _out.Write(f); break;
            case string s: Str(s); break;
            case byte[] bytes:
                if (protocol >= 3) { Op('B'); U32(bytes.Length); _out.Write(bytes); }
                else { Global("_codecs", "encode"); Str(Encoding.Latin1.GetString(bytes)); Str("latin1"); _out.WriteByte(0x86); Op('R'); }
                break;
            case PickleTuple t:
                if (t.Count == 0) { Op(')'); break; }
                if (t.Count <= 3) { foreach (var x in t.Items) Value(x); _out.WriteByte((byte)(0x84 + t.Count)); break; }
                Op('('); foreach (var x in t.Items) Value(x); Op('t'); break;
            case PickleList list:
                Op(']'); if (list.Count == 0) break;
                Op('('); foreach (var x in list) Value(x); Op('e'); break;
            case PickleSet set:
                Global("builtins", set.Frozen ? "frozenset" : "set");
                Value(new PickleList(set.Items)); _out.WriteByte(0x85); Op('R'); break;
            case PickleDict dict: Dict(dict); break;
            case TensorRef tr: Tensor(tr); break;
            default: throw new ArgumentException($"PickleWriter cannot write {v.GetType().Name}.");
        }
    }

    private void Dict(PickleDict dict)
    {
        if (dict.Kind == "dict") Op('}');
        else
        {
            var parts = dict.Kind.Split('.');
            Global(parts[0], parts[1]);
            Op(')');
            Op('R');
        }
        if (dict.Count > 0)
        {
            Op('(');
            foreach (var (k, x) in dict.Items) { Value(k); Value(x); }
            Op('u');
        }
        if (dict.Attributes.Count > 0)
        {
            Op('}'); Op('(');
            foreach (var (k, x) in dict.Attributes) { Str(k); Value(x); }
            Op('u'); Op('b');
        }
    }

    private void Tensor(TensorRef t)
    {
        Global("torch._utils", "_rebuild_tensor_v2");
        Op('(');
        Op('('); Str("storage"); Global("torch", t.StorageType); Str(t.StorageKey); Str("cpu"); Int(t.StorageNumel); Op('t');
        Op('Q');
        Int(t.Offset);
        Value(new PickleTuple([.. t.Shape.Select(x => (object?)x)]));
        Value(new PickleTuple([.. t.Stride.Select(x => (object?)x)]));
        _out.WriteByte(0x89);
        Global("collections", "OrderedDict"); Op(')'); Op('R');
        Op('t');
        Op('R');
    }

    private void Global(string module, string name)
    {
        if (protocol >= 4) { Str(module); Str(name); _out.WriteByte(0x93); return; }
        Op('c');
        _out.Write(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
    }

    private void Int(long v)
    {
        if (v is >= 0 and < 256) { Op('K'); _out.WriteByte((byte)v); }
        else if (v is >= 0 and < 65536) { Op('M'); _out.WriteByte((byte)v); _out.WriteByte((byte)(v >> 8)); }
        else if (v is >= int.MinValue and <= int.MaxValue) { Op('J'); Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); _out.Write(b); }
        else Long1(v);
    }

    private void Long1(BigInteger v)
    {
        var bytes = v.IsZero ? [] : v.ToByteArray(isUnsigned: false, isBigEndian: false);
        _out.WriteByte(0x8a);
        _out.WriteByte((byte)bytes.Length);
        _out.Write(bytes);
    }

    private void Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        if (protocol >= 4 && bytes.Length < 256) { _out.WriteByte(0x8c); _out.WriteByte((byte)bytes.Length); }
        else { Op('X'); U32(bytes.Length); }
        _out.Write(bytes);
    }

    private void U32(int n) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)n); _out.Write(b); }

    private void Op(char c) => _out.WriteByte((byte)c);
}
