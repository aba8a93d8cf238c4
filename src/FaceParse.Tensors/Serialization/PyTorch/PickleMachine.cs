using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using static FaceParse.Tensors.Serialization.PyTorch.PickleOpcodes;

namespace FaceParse.Tensors.Serialization.PyTorch;

/// <summary>A restricted pickle virtual machine (protocols 2–5) that builds only plain values: no global is ever looked
/// up by name, only matched against <see cref="PickleGlobals"/>; any other global or code-running opcode throws
/// <see cref="UnsafeCheckpointException"/>, anything malformed or over a <see cref="CheckpointLimits"/> bound throws
/// <see cref="InvalidDataException"/>.</summary>
internal sealed class PickleMachine
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private readonly ReadOnlyMemory<byte> _data;
    private readonly string _file;
    private readonly CheckpointLimits _limits;
    private readonly Func<object?, object> _persistentLoad;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _pos;
    private long _tensorBytes;

    public PickleMachine(ReadOnlyMemory<byte> data, string file, CheckpointLimits limits, Func<object?, object> persistentLoad)
    {
        _data = data;
        _file = file;
        _limits = limits;
        _persistentLoad = persistentLoad;
    }

    /// <summary>Opcode names and how often each ran.</summary>
    public SortedDictionary<string, int> Opcodes { get; } = new(StringComparer.Ordinal);

    /// <summary>"module.name" of every global the pickle referenced (all allowed, or the run threw).</summary>
    public SortedSet<string> Globals { get; } = new(StringComparer.Ordinal);

    /// <summary>Bytes consumed (the offset just past STOP).</summary>
    public int Position => _pos;

    /// <summary>Runs to STOP and returns the validated value tree.</summary>
    public object? Run()
    {
        var span = _data.Span;
        while (true)
        {
            if (_pos >= span.Length) throw Bad("the pickle ends without STOP");
            byte op = span[_pos++];
            string name = PickleOpcodes.Name(op) ?? throw Bad($"byte 0x{op:x2} at offset {_pos - 1} is not a pickle opcode");
            Opcodes[name] = Opcodes.GetValueOrDefault(name) + 1;
            switch (op)
            {
                case Proto:
                    int proto = Take(1)[0];
                    if (proto > 5) throw Bad($"pickle protocol {proto} is not supported (2–5 are)");
                    break;
                case Frame: long frame = (long)BinaryPrimitives.ReadUInt64LittleEndian(Take(8)); if (frame > span.Length - _pos) throw Bad("a FRAME runs past the end of the pickle"); break;
                case Stop:
                    var result = Pop();
                    if (_stack.Count != 0 || _marks.Count != 0) throw Bad("values are left on the stack at STOP");
                    PickleTree.Validate(result, _limits);
                    return result;
                case Mark:
                    if (_marks.Count >= _limits.MaxMarks) throw Bad($"more than {_limits.MaxMarks} nested MARKs");
                    _marks.Add(_stack.Count);
                    break;
                case PopOp: Pop(); break;
                case PopMarkOp: PopToMark(); break;
                case Dup: Push(Peek()); break;
                case PickleOpcodes.None: Push(null); break;
                case NewTrue: Push(true); break;
                case NewFalse: Push(false); break;
                case BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case BinInt1: Push((long)Take(1)[0]); break;
                case BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case Long1: Push(Long(Take(Take(1)[0]))); break;
                case Long4: Push(Long(Take(Length(BinaryPrimitives.ReadInt32LittleEndian(Take(4)), 4096)))); break;
                case BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                case ShortBinUnicode: Push(Utf8(Take(Take(1)[0]))); break;
                case BinUnicode: Push(Utf8(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                case BinUnicode8: Push(Utf8(Take(Length(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))))); break;
                case ShortBinBytes: Push(Take(Take(1)[0]).ToArray()); break;
                case BinBytes: Push(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray()); break;
                case BinBytes8: Push(Take(Length(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))).ToArray()); break;
                case EmptyTuple: Push(PickleTuple.Empty); break;
                case Tuple1: Push(MakeTuple([Pop()])); break;
                case Tuple2: { var b = Pop(); var a = Pop(); Push(MakeTuple([a, b])); break; }
                case Tuple3: { var c = Pop(); var b = Pop(); var a = Pop(); Push(MakeTuple([a, b, c])); break; }
                case PickleOpcodes.Tuple: Push(MakeTuple(PopToMark())); break;
                case EmptyList: Push(new PickleList()); break;
                case EmptyDict: Push(new PickleDict("dict")); break;
                case EmptySet: Push(new PickleSet(frozen: false)); break;
                case FrozenSet: { var s = new PickleSet(frozen: true); s.Items.AddRange(PopToMark()); Push(s); break; }
                case Append: { var v = Pop(); AsList(Peek(), "APPEND").Add(v); break; }
                case Appends: { var items = PopToMark(); AsList(Peek(), "APPENDS").AddRange(items); break; }
                case AddItems:
                {
                    var items = PopToMark();
                    if (Peek() is not PickleSet { Frozen: false } set) throw Bad("ADDITEMS on something that is not a set");
                    set.Items.AddRange(items);
                    break;
                }
                case SetItem: { var v = Pop(); var k = Pop(); SetItemOf(Peek(), k, v); break; }
                case SetItems:
                {
                    var items = PopToMark();
                    if (items.Length % 2 != 0) throw Bad("SETITEMS with an odd number of values");
                    var target = Peek();
                    for (int i = 0; i < items.Length; i += 2) SetItemOf(target, items[i], items[i + 1]);
                    break;
                }
                case BinPut: Put(Take(1)[0]); break;
                case LongBinPut: Put(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;
                case Memoize: Put(_memo.Count); break;
                case BinGet: Get(Take(1)[0]); break;
                case LongBinGet: Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;
                case Global:
                {
                    string module = Line(), gname = Line();
                    Push(ResolveGlobal(module, gname));
                    break;
                }
                case StackGlobal:
                {
                    var gname = Pop();
                    var module = Pop();
                    if (module is not string m || gname is not string n) throw Bad("STACK_GLOBAL needs two strings");
                    Push(ResolveGlobal(m, n));
                    break;
                }
                case Reduce: case NewObj:
                {
                    var args = Pop();
                    var callable = Pop();
                    if (args is not PickleTuple tuple) throw Bad($"{name} arguments are not a tuple");
                    if (callable is not PickleGlobal global) throw Bad($"{name} on a {Describe(callable)}, which is not callable");
                    Push(Checked(PickleGlobals.Call(global, tuple, op == NewObj)));
                    break;
                }
                case Build: { var state = Pop(); ApplyBuild(Peek(), state); break; }
                case BinPersId: Push(_persistentLoad(Pop())); break;
                default:
                    if (PickleOpcodes.IsCodeRunning(op)) throw new UnsafeCheckpointException(_file, $"opcode {name} (it can construct arbitrary objects)");
                    throw new UnsafeCheckpointException(_file, $"opcode {name} (not needed by state dicts)");
            }
        }
    }

    private object ResolveGlobal(string module, string name)
    {
        var value = PickleGlobals.Resolve(module, name) ?? throw new UnsafeCheckpointException(_file, $"global '{module}.{name}'");
        Globals.Add($"{module}.{name}");
        return value;
    }

    private static void ApplyBuild(object? target, object? state)
    {
        if (target is PickleDict dict && state is PickleDict attributes)
        {
            foreach (var (key, value) in attributes.Items)
                dict.Attributes[key as string ?? throw Bad("BUILD state has a non-string attribute name")] = value;
            return;
        }
        if (target is PickleDict && state is null) return;
        throw Bad($"BUILD of a {Describe(target)} with a {Describe(state)} is not supported");
    }

    // Results of allowed constructors: tuples stay within the depth limit (they are hashed recursively as dict keys) and
    // the float32 tensors they describe stay within the total byte limit (stride-0 views cannot inflate a small storage).
    private object Checked(object value)
    {
        if (value is PickleTuple t && t.Depth > _limits.MaxDepth) throw Bad($"tuples nest deeper than {_limits.MaxDepth}");
        if (value is TorchTensor tensor)
        {
            _tensorBytes += 4L * tensor.Count;
            if (_tensorBytes > _limits.MaxTotalTensorBytes)
                throw Bad($"the tensors would take more than {_limits.MaxTotalTensorBytes} bytes as float32 (CheckpointLimits.MaxTotalTensorBytes)");
        }
        return value;
    }

    private PickleTuple MakeTuple(object?[] items)
    {
        var t = new PickleTuple(items);
        if (t.Depth > _limits.MaxDepth) throw Bad($"tuples nest deeper than {_limits.MaxDepth}");
        return t;
    }

    private static PickleList AsList(object? target, string op) => target as PickleList ?? throw Bad($"{op} on a {Describe(target)}");

    private static void SetItemOf(object? target, object? key, object? value)
    {
        if (target is not PickleDict dict) throw Bad($"SETITEM on a {Describe(target)}");
        if (key is null || !PickleTree.IsHashable(key)) throw Bad($"a {Describe(key)} cannot be a dictionary key");
        dict.Items[key] = value;
    }

    private void Put(long index)
    {
        if (_memo.Count >= _limits.MaxMemo && !_memo.ContainsKey(index)) throw Bad($"the memo grows past {_limits.MaxMemo} entries");
        _memo[index] = Peek();
    }

    private void Get(long index)
    {
        if (!_memo.TryGetValue(index, out var value)) throw Bad($"memo entry {index} is read before it is written");
        Push(value);
    }

    private void Push(object? value)
    {
        if (_stack.Count >= _limits.MaxStack) throw Bad($"more than {_limits.MaxStack} values on the pickle stack");
        _stack.Add(value);
    }

    private object? Peek() => _stack.Count > (_marks.Count > 0 ? _marks[^1] : 0) ? _stack[^1] : throw Bad("stack underflow");

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopToMark()
    {
        if (_marks.Count == 0) throw Bad("no MARK to pop to");
        int start = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(start, _stack.Count - start).ToArray();
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _data.Length - _pos) throw Bad($"an argument of {count} bytes runs past the end of the pickle ({_data.Length - _pos} bytes left)");
        var s = _data.Span.Slice(_pos, count);
        _pos += count;
        return s;
    }

    // A declared string/bytes length, checked against the bytes actually left before anything is allocated.
    private int Length(ulong declared, int max = int.MaxValue)
    {
        if (declared > (ulong)(_data.Length - _pos) || declared > (ulong)max)
            throw Bad($"a length of {declared} bytes exceeds the {_data.Length - _pos} bytes left in the pickle");
        return (int)declared;
    }

    private int Length(long declared, int max) => declared < 0 ? throw Bad("negative length") : Length((ulong)declared, max);

    private string Line()
    {
        var rest = _data.Span[_pos..];
        int end = rest[..Math.Min(rest.Length, 512)].IndexOf((byte)'\n');
        if (end < 0) throw Bad("a GLOBAL name is not terminated within 512 bytes");
        _pos += end + 1;
        return Utf8(rest[..end]);
    }

    private static object Long(ReadOnlySpan<byte> bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw Bad("a string is not valid UTF-8"); }
    }

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        PickleDict d => d.Kind,
        PickleList => "list",
        PickleTuple => "tuple",
        PickleSet s => s.Frozen ? "frozenset" : "set",
        TorchTensor => "tensor",
        TorchStorage => "storage",
        PickleGlobal g => g.ToString(),
        _ => value.GetType().Name,
    };

    private static InvalidDataException Bad(string message) => new($"pickle: {message}.");
}
