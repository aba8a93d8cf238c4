using System.Runtime.CompilerServices;

namespace FaceParse.Imaging.Jpeg;

/// <summary>Progressive DC scans (T.81 G.1.2.1): first pass decodes DC differences, refinement adds one bit each.</summary>
internal struct ProgressiveDcDecoder(bool refine, int approxLow) : IJpegBlockDecoder
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Decode(ref JpegBitReader reader, JpegComponent c, int bx, int by)
    {
        ref short dc = ref c.Coefficients[(by * c.BlocksPerLine + bx) * 64];
        if (refine)
        {
            if (reader.ReadBit() != 0) dc |= (short)(1 << approxLow);
            return;
        }
        int s = reader.Decode(c.DcTable!);
        if (s != 0) c.DcPred += reader.ReceiveExtend(s);
        dc = (short)(c.DcPred << approxLow);
    }

    public readonly void Reset() { }
}

/// <summary>Progressive AC scans of one component (T.81 G.1.2.2/G.1.2.3): band Ss..Se with end-of-band runs;
/// first passes set coefficients scaled by 2^Al, refinement passes add correction bits and new ±1 coefficients.</summary>
internal struct ProgressiveAcDecoder(JpegScan scan) : IJpegBlockDecoder
{
    private int _eobRun;

    public void Decode(ref JpegBitReader reader, JpegComponent c, int bx, int by)
    {
        var block = c.Coefficients.AsSpan((by * c.BlocksPerLine + bx) * 64, 64);
        if (scan.ApproxHigh == 0) DecodeFirst(ref reader, c.AcTable!, block);
        else DecodeRefine(ref reader, c.AcTable!, block);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeFirst(ref JpegBitReader reader, JpegHuffmanTable table, Span<short> block)
    {
        if (_eobRun > 0)
        {
            _eobRun--;
            return;
        }
        ReadOnlySpan<byte> zigzag = JpegTables.ZigZag;
        int end = scan.SpectralEnd, shift = scan.ApproxLow;
        for (int k = scan.SpectralStart; k <= end; k++)
        {
            int rs = reader.Decode(table);
            int run = rs >> 4, s = rs & 15;
            if (s == 0)
            {
                if (run < 15)
                {
                    _eobRun = (1 << run) - 1 + reader.ReadBits(run);
                    return;
                }
                k += 15;
                continue;
            }
            k += run;
            block[zigzag[k]] = (short)(reader.ReceiveExtend(s) * (1 << shift));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DecodeRefine(ref JpegBitReader reader, JpegHuffmanTable table, Span<short> block)
    {
        ReadOnlySpan<byte> zigzag = JpegTables.ZigZag;
        int end = scan.SpectralEnd;
        int p1 = 1 << scan.ApproxLow, m1 = -1 << scan.ApproxLow;
        int k = scan.SpectralStart;
        if (_eobRun == 0)
        {
            for (; k <= end; k++)
            {
                int rs = reader.Decode(table);
                int run = rs >> 4, s = rs & 15, value = 0;
                if (s != 0)
                {
                    // s must be 1 here; anything else is treated like libjpeg does (as a 1).
                    value = reader.ReadBit() != 0 ? p1 : m1;
                }
                else if (run != 15)
                {
                    _eobRun = (1 << run) + reader.ReadBits(run);
                    break;
                }
                // Skip `run` zero coefficients, refining the non-zero ones passed over.
                for (; k <= end; k++)
                {
                    ref short coef = ref block[zigzag[k]];
                    if (coef != 0) Refine(ref reader, ref coef, p1, m1);
                    else if (run-- == 0) break;
                }
                if (value != 0 && k <= end) block[zigzag[k]] = (short)value;
            }
        }
        if (_eobRun > 0)
        {
            // Inside an end-of-band run: only correction bits for coefficients that are already non-zero.
            for (; k <= end; k++)
            {
                ref short coef = ref block[zigzag[k]];
                if (coef != 0) Refine(ref reader, ref coef, p1, m1);
            }
            _eobRun--;
        }
    }

    /// <summary>Adds one correction bit of magnitude p1 to a coefficient that is already non-zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Refine(ref JpegBitReader reader, ref short coef, int p1, int m1)
    {
        if (reader.ReadBit() == 0 || (coef & p1) != 0) return;
        coef = (short)(coef >= 0 ? coef + p1 : coef + m1);
    }

    public void Reset() => _eobRun = 0;
}
