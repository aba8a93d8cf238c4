namespace FaceParse.Tensors.Serialization.PyTorch;

/// <summary>Names of every pickle opcode (Python's Lib/pickletools.py), so a refused one is reported by name.</summary>
internal static class PickleOpcodes
{
    public const byte Mark = (byte)'(', Stop = (byte)'.', PopOp = (byte)'0', PopMarkOp = (byte)'1', Dup = (byte)'2';
    public const byte BinInt = (byte)'J', BinInt1 = (byte)'K', BinInt2 = (byte)'M', None = (byte)'N', BinPersId = (byte)'Q';
    public const byte Reduce = (byte)'R', BinUnicode = (byte)'X', Append = (byte)'a', Build = (byte)'b', Global = (byte)'c';
    public const byte EmptyDict = (byte)'}', Appends = (byte)'e', BinGet = (byte)'h', LongBinGet = (byte)'j', EmptyList = (byte)']';
    public const byte BinPut = (byte)'q', LongBinPut = (byte)'r', SetItem = (byte)'s', Tuple = (byte)'t', EmptyTuple = (byte)')';
    public const byte SetItems = (byte)'u', BinFloat = (byte)'G', BinBytes = (byte)'B', ShortBinBytes = (byte)'C';
    public const byte Proto = 0x80, NewObj = 0x81, Tuple1 = 0x85, Tuple2 = 0x86, Tuple3 = 0x87, NewTrue = 0x88, NewFalse = 0x89;
    public const byte Long1 = 0x8a, Long4 = 0x8b, ShortBinUnicode = 0x8c, BinUnicode8 = 0x8d, BinBytes8 = 0x8e, EmptySet = 0x8f;
    public const byte AddItems = 0x90, FrozenSet = 0x91, StackGlobal = 0x93, Memoize = 0x94, Frame = 0x95;

    private static readonly Dictionary<byte, string> Names = new()
    {
        [(byte)'('] = "MARK", [(byte)'.'] = "STOP", [(byte)'0'] = "POP", [(byte)'1'] = "POP_MARK", [(byte)'2'] = "DUP",
        [(byte)'F'] = "FLOAT", [(byte)'I'] = "INT", [(byte)'J'] = "BININT", [(byte)'K'] = "BININT1", [(byte)'L'] = "LONG",
        [(byte)'M'] = "BININT2", [(byte)'N'] = "NONE", [(byte)'P'] = "PERSID", [(byte)'Q'] = "BINPERSID", [(byte)'R'] = "REDUCE",
        [(byte)'S'] = "STRING", [(byte)'T'] = "BINSTRING", [(byte)'U'] = "SHORT_BINSTRING", [(byte)'V'] = "UNICODE",
        [(byte)'X'] = "BINUNICODE", [(byte)'a'] = "APPEND", [(byte)'b'] = "BUILD", [(byte)'c'] = "GLOBAL", [(byte)'d'] = "DICT",
        [(byte)'}'] = "EMPTY_DICT", [(byte)'e'] = "APPENDS", [(byte)'g'] = "GET", [(byte)'h'] = "BINGET", [(byte)'i'] = "INST",
        [(byte)'j'] = "LONG_BINGET", [(byte)'l'] = "LIST", [(byte)']'] = "EMPTY_LIST", [(byte)'o'] = "OBJ", [(byte)'p'] = "PUT",
        [(byte)'q'] = "BINPUT", [(byte)'r'] = "LONG_BINPUT", [(byte)'s'] = "SETITEM", [(byte)'t'] = "TUPLE", [(byte)')'] = "EMPTY_TUPLE",
        [(byte)'u'] = "SETITEMS", [(byte)'G'] = "BINFLOAT", [(byte)'B'] = "BINBYTES", [(byte)'C'] = "SHORT_BINBYTES",
        [0x80] = "PROTO", [0x81] = "NEWOBJ", [0x82] = "EXT1", [0x83] = "EXT2", [0x84] = "EXT4", [0x85] = "TUPLE1", [0x86] = "TUPLE2",
        [0x87] = "TUPLE3", [0x88] = "NEWTRUE", [0x89] = "NEWFALSE", [0x8a] = "LONG1", [0x8b] = "LONG4", [0x8c] = "SHORT_BINUNICODE",
        [0x8d] = "BINUNICODE8", [0x8e] = "BINBYTES8", [0x8f] = "EMPTY_SET", [0x90] = "ADDITEMS", [0x91] = "FROZENSET",
        [0x92] = "NEWOBJ_EX", [0x93] = "STACK_GLOBAL", [0x94] = "MEMOIZE", [0x95] = "FRAME", [0x96] = "BYTEARRAY8",
        [0x97] = "NEXT_BUFFER", [0x98] = "READONLY_BUFFER",
    };

    /// <summary>The opcode's pickletools name, or null for a byte that is no opcode.</summary>
    public static string? Name(byte code) => Names.GetValueOrDefault(code);

    /// <summary>Opcodes that name or call arbitrary code (refused as unsafe rather than as malformed).</summary>
    public static bool IsCodeRunning(byte code) => code is (byte)'i' or (byte)'o' or 0x82 or 0x83 or 0x84 or 0x92 or (byte)'P';
}
