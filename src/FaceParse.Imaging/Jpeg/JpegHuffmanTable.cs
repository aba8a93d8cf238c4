namespace FaceParse.Imaging.Jpeg;

/// <summary>A Huffman decoding table: 9-bit lookahead for short codes, canonical max-code search for longer ones.</summary>
internal sealed class JpegHuffmanTable
{
    public const int LookaheadBits = 9;

    /// <summary>Indexed by the next 9 bits: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer than 9 bits.</summary>
    public readonly ushort[] Lookahead = new ushort[1 << LookaheadBits];
    /// <summary>Largest code of each length 0..16 (−1 when none), for codes of 10..16 bits.</summary>
    public readonly int[] MaxCode = new int[18];
    /// <summary>Index into <see cref="Values"/> of a code of length L is code + ValueOffset[L].</summary>
    public readonly int[] ValueOffset = new int[18];
    public readonly byte[] Values;
    /// <summary>AC shortcut indexed like <see cref="Lookahead"/>: when code + magnitude bits fit in 9 bits,
    /// (value &lt;&lt; 16) | (run &lt;&lt; 8) | total bits, value already sign-extended; 0 otherwise.</summary>
    public readonly int[] FastAc = new int[1 << LookaheadBits];

    private JpegHuffmanTable(byte[] values) => Values = values;

    /// <summary>Builds a table from the 16 code counts (lengths 1..16) and the symbols; null when the counts overflow the code space.</summary>
    public static JpegHuffmanTable? TryCreate(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
    {
        var table = new JpegHuffmanTable(symbols.ToArray());
        int code = 0, index = 0;
        for (int len = 1; len <= 16; len++)
        {
            int n = counts[len - 1];
            table.ValueOffset[len] = index - code;
            if (n > 0)
            {
                if (code + n > 1 << len) return null;
                for (int i = 0; i < n; i++, code++, index++)
                {
                    if (len > LookaheadBits) continue;
                    int shift = LookaheadBits - len;
                    ushort entry = (ushort)(len << 8 | symbols[index]);
                    table.Lookahead.AsSpan(code << shift, 1 << shift).Fill(entry);
                }
                table.MaxCode[len] = code - 1;
            }
            else table.MaxCode[len] = -1;
            code <<= 1;
        }
        table.MaxCode[17] = int.MaxValue;
        table.BuildFastAc();
        return table;
    }

    private void BuildFastAc()
    {
        for (int bits = 0; bits < FastAc.Length; bits++)
        {
            int entry = Lookahead[bits];
            int len = entry >> 8, run = (entry >> 4) & 15, size = entry & 15;
            if (len == 0 || size == 0 || len + size > LookaheadBits) continue;
            int raw = (bits >> (LookaheadBits - len - size)) & ((1 << size) - 1);
            int value = raw < 1 << (size - 1) ? raw - (1 << size) + 1 : raw;
            FastAc[bits] = value << 16 | run << 8 | (len + size);
        }
    }

    /// <summary>The Annex K tables libjpeg falls back to when a file (e.g. Motion-JPEG) has no DHT for slot 0 or 1.</summary>
    public static JpegHuffmanTable Standard(bool ac, int slot) => (ac, slot) switch
    {
        (false, 0) => TryCreate(JpegTables.DcLumaBits, JpegTables.DcLumaValues)!,
        (false, _) => TryCreate(JpegTables.DcChromaBits, JpegTables.DcChromaValues)!,
        (true, 0) => TryCreate(JpegTables.AcLumaBits, JpegTables.AcLumaValues)!,
        _ => TryCreate(JpegTables.AcChromaBits, JpegTables.AcChromaValues)!,
    };
}
