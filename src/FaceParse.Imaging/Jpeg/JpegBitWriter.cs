using System.Numerics;

namespace FaceParse.Imaging.Jpeg;

/// <summary>Huffman encoding table: code and length per symbol, built canonically (T.81 Annex C) from counts + symbols.</summary>
internal sealed class JpegHuffmanCodes
{
    public readonly ushort[] Code = new ushort[256];
    public readonly byte[] Length = new byte[256];

    public JpegHuffmanCodes(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
    {
        int code = 0, index = 0;
        for (int len = 1; len <= 16; len++)
        {
            for (int i = 0; i < counts[len - 1]; i++, index++, code++)
            {
                Code[symbols[index]] = (ushort)code;
                Length[symbols[index]] = (byte)len;
            }
            code <<= 1;
        }
    }
}

/// <summary>Writes entropy-coded bits MSB-first with 0xFF00 byte stuffing; Huffman-codes DC differences and AC runs.</summary>
internal sealed class JpegBitWriter(MemoryStream output)
{
    private uint _buffer;  // pending bits, right-aligned
    private int _count;    // number of pending bits (< 8 between calls)

    /// <summary>Appends the low n (0..16) bits of value.</summary>
    public void Write(int value, int n)
    {
        _buffer = (_buffer << n) | ((uint)value & ((1u << n) - 1));
        _count += n;
        while (_count >= 8)
        {
            byte b = (byte)(_buffer >> (_count - 8));
            output.WriteByte(b);
            if (b == 0xFF) output.WriteByte(0);
            _count -= 8;
        }
        _buffer &= (1u << _count) - 1;
    }

    /// <summary>Pads the last byte with 1 bits (T.81 F.1.2.3).</summary>
    public void Flush()
    {
        if (_count > 0) Write(0x7F, 8 - _count);
    }

    /// <summary>Encodes one quantised block (64 values in zig-zag order) against the previous DC value.</summary>
    public void WriteBlock(ReadOnlySpan<short> zigzag, ref int previousDc, JpegHuffmanCodes dc, JpegHuffmanCodes ac)
    {
        int diff = zigzag[0] - previousDc;
        previousDc = zigzag[0];
        WriteValue(diff, dc, 0);
        int run = 0;
        for (int k = 1; k < 64; k++)
        {
            int v = zigzag[k];
            if (v == 0) { run++; continue; }
            for (; run >= 16; run -= 16) Write(ac.Code[0xF0], ac.Length[0xF0]); // ZRL
            WriteValue(v, ac, run << 4);
            run = 0;
        }
        if (run > 0) Write(ac.Code[0x00], ac.Length[0x00]); // EOB
    }

    /// <summary>Writes the symbol (runBits | size category) and then the size-bit magnitude (one's complement if negative).</summary>
    private void WriteValue(int v, JpegHuffmanCodes table, int runBits)
    {
        int magnitude = Math.Abs(v);
        int size = magnitude == 0 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)magnitude);
        int symbol = runBits | size;
        Write(table.Code[symbol], table.Length[symbol]);
        if (size > 0) Write(v < 0 ? v - 1 : v, size);
    }
}
