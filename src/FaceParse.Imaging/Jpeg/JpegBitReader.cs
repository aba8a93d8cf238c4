using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace FaceParse.Imaging.Jpeg;

/// <summary>MSB-first reader of entropy-coded scan data: removes 0xFF00 stuffing, stops at markers and then
/// supplies zero bits (like libjpeg); <see cref="Exhausted"/> tells when real data has run out.</summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string? _fileName;
    private int _pos;
    private ulong _buffer;   // unread bits, left-aligned
    private int _count;      // number of unread bits in _buffer
    private int _fakeBits;   // zero bits appended after a marker / the end of data (always at the tail)
    private bool _atMarker;
    private bool _lost;      // an expected restart marker was missing

    public JpegBitReader(ReadOnlySpan<byte> data, int position, string? fileName)
    {
        _data = data;
        _pos = position;
        _fileName = fileName;
    }

    /// <summary>Index of the first byte not yet taken into the bit buffer.</summary>
    public readonly int Position => _pos;

    /// <summary>True when a restart marker was expected but something else (or the end of data) came.</summary>
    public readonly bool Lost => _lost;

    /// <summary>True once bits past the end of the segment's data have been consumed.</summary>
    public readonly bool Exhausted => _lost || _count < _fakeBits;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Ensure()
    {
        if (_count < 32) Fill();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Fill()
    {
        // Fast path: the next 8 bytes hold no 0xFF, so whole bytes can be appended without unstuffing.
        if (!_atMarker && _pos + 8 <= _data.Length)
        {
            ulong x = BinaryPrimitives.ReadUInt64BigEndian(_data[_pos..]);
            ulong inv = ~x;
            if (((inv - 0x0101010101010101UL) & ~inv & 0x8080808080808080UL) == 0)
            {
                int k = (64 - _count) >> 3;
                _buffer |= (x & (ulong.MaxValue << (64 - 8 * k))) >> _count;
                _count += 8 * k;
                _pos += k;
                return;
            }
        }
        while (_count <= 56)
        {
            int b = 0;
            if (!_atMarker)
            {
                if (_pos < _data.Length)
                {
                    b = _data[_pos];
                    if (b != 0xFF) _pos++;
                    else if (_pos + 1 < _data.Length && _data[_pos + 1] == 0) _pos += 2;
                    else { _atMarker = true; b = 0; }
                }
                else _atMarker = true;
            }
            if (_atMarker) _fakeBits += 8;
            _buffer |= (ulong)(uint)b << (56 - _count);
            _count += 8;
        }
    }

    /// <summary>The next 9 bits (call <see cref="Ensure"/> first).</summary>
    public readonly int PeekLookahead => (int)(_buffer >> (64 - JpegHuffmanTable.LookaheadBits));

    /// <summary>Drops n already-peeked bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Consume(int n)
    {
        _buffer <<= n;
        _count -= n;
    }

    /// <summary>Reads n bits (0..16) as an unsigned value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBits(int n)
    {
        if (n == 0) return 0;
        Ensure();
        int v = (int)(_buffer >> (64 - n));
        _buffer <<= n;
        _count -= n;
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBit()
    {
        Ensure();
        int v = (int)(_buffer >> 63);
        _buffer <<= 1;
        _count--;
        return v;
    }

    /// <summary>Reads s (1..16) bits and sign-extends them per T.81 F.2.2.1 (EXTEND).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReceiveExtend(int s)
    {
        int v = ReadBits(s);
        return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
    }

    /// <summary>Decodes one Huffman symbol (0..255).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Decode(JpegHuffmanTable table)
    {
        Ensure();
        int entry = table.Lookahead[(int)(_buffer >> (64 - JpegHuffmanTable.LookaheadBits))];
        if (entry != 0)
        {
            int len = entry >> 8;
            _buffer <<= len;
            _count -= len;
            return entry & 0xFF;
        }
        return DecodeLong(table);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int DecodeLong(JpegHuffmanTable table)
    {
        for (int len = JpegHuffmanTable.LookaheadBits + 1; len <= 16; len++)
        {
            int code = (int)(_buffer >> (64 - len));
            if (code <= table.MaxCode[len])
            {
                _buffer <<= len;
                _count -= len;
                int index = code + table.ValueOffset[len];
                if ((uint)index >= (uint)table.Values.Length) break;
                return table.Values[index];
            }
        }
        throw new ImageFormatException("corrupt JPEG data: invalid Huffman code", _fileName);
    }

    /// <summary>At a restart boundary: drops the padding bits and skips an RSTn marker; false (and the reader stays
    /// exhausted) when the next marker is something else or the data ended.</summary>
    public bool Restart()
    {
        _buffer = 0;
        _count = 0;
        _fakeBits = 0;
        _atMarker = false;
        _lost = false;
        int p = _pos;
        while (p + 1 < _data.Length)
        {
            if (_data[p] != 0xFF || _data[p + 1] == 0) { p++; continue; }
            int m = _data[p + 1];
            if (m == 0xFF) { p++; continue; }
            if (m is >= 0xD0 and <= 0xD7) { _pos = p + 2; return true; }
            break;
        }
        _pos = Math.Min(p, _data.Length);
        _atMarker = true;
        _lost = true;
        return false;
    }
}
