using System.Runtime.CompilerServices;

namespace FaceParse.Imaging.Jpeg;

/// <summary>An SOS header: the components of the scan and its spectral selection / successive approximation.</summary>
internal sealed class JpegScan
{
    public JpegComponent[] Components = [];
    public int SpectralStart;
    public int SpectralEnd;
    public int ApproxHigh;
    public int ApproxLow;
}

/// <summary>Decodes the blocks of one scan; the driver calls it for every block in MCU order.</summary>
internal interface IJpegBlockDecoder
{
    /// <summary>Decodes block (bx, by) of component c.</summary>
    void Decode(ref JpegBitReader reader, JpegComponent c, int bx, int by);

    /// <summary>Restart interval boundary: forget the end-of-band run.</summary>
    void Reset();
}

/// <summary>Walks the MCUs of a scan, handling restart intervals and running out of data; once the data is exhausted
/// blocks are left untouched (libjpeg leaves them zero: baseline planes start at 128, the IDCT of a zero block).</summary>
internal static class JpegScanDriver
{
    /// <summary>Runs the decoder over every MCU of the scan; returns the position after the last byte it read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Run<T>(ReadOnlySpan<byte> data, int position, JpegFrame frame, JpegScan scan, int restartInterval,
        ref T decoder, string? fileName) where T : struct, IJpegBlockDecoder
    {
        var reader = new JpegBitReader(data, position, fileName);
        var comps = scan.Components;
        bool single = comps.Length == 1;
        int mcusX = single ? comps[0].WidthInBlocks : frame.McusX;
        int mcusY = single ? comps[0].HeightInBlocks : frame.McusY;
        foreach (var c in comps) c.DcPred = 0;
        decoder.Reset();
        int untilRestart = restartInterval;
        for (int my = 0; my < mcusY; my++)
        {
            for (int mx = 0; mx < mcusX; mx++)
            {
                if (restartInterval > 0)
                {
                    if (untilRestart == 0)
                    {
                        reader.Restart();
                        foreach (var c in comps) c.DcPred = 0;
                        decoder.Reset();
                        untilRestart = restartInterval;
                    }
                    untilRestart--;
                }
                bool skip = reader.Exhausted;
                // Out of data with no restart marker to resynchronise on: every remaining block would be skipped.
                if (skip && (restartInterval == 0 || reader.Lost)) return reader.Position;
                if (single)
                {
                    if (!skip) decoder.Decode(ref reader, comps[0], mx, my);
                    continue;
                }
                foreach (var c in comps)
                {
                    for (int v = 0; v < c.V; v++)
                    {
                        for (int h = 0; h < c.H; h++)
                        {
                            if (!skip) decoder.Decode(ref reader, c, mx * c.H + h, my * c.V + v);
                        }
                    }
                }
            }
        }
        return reader.Position;
    }
}

/// <summary>Baseline / extended sequential Huffman blocks: decode 64 coefficients, dequantise, IDCT into the plane.</summary>
internal struct SequentialBlockDecoder : IJpegBlockDecoder
{
    private readonly short[] _block = new short[64];

    public SequentialBlockDecoder() { }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Decode(ref JpegBitReader reader, JpegComponent c, int bx, int by)
    {
        var block = _block;
        ReadOnlySpan<byte> zigzag = JpegTables.ZigZag;
        int s = reader.Decode(c.DcTable!);
        if (s != 0) c.DcPred += reader.ReceiveExtend(s);
        block[0] = (short)c.DcPred;
        var ac = c.AcTable!;
        int last = 0;
        int[] fastAc = ac.FastAc;
        for (int k = 1; k < 64;)
        {
            reader.Ensure();
            int fast = fastAc[reader.PeekLookahead];
            if (fast != 0)
            {
                reader.Consume(fast & 0xFF);
                k += (fast >> 8) & 0xFF;
                last = k;
                block[zigzag[k]] = (short)(fast >> 16);
                k++;
                continue;
            }
            int rs = reader.Decode(ac);
            int run = rs >> 4;
            s = rs & 15;
            if (s == 0)
            {
                if (run != 15) break;
                k += 16;
                continue;
            }
            k += run;
            last = k;
            block[zigzag[k]] = (short)reader.ReceiveExtend(s);
            k++;
        }
        int stride = c.PlaneStride;
        var dst = c.Plane.AsSpan(by * 8 * stride + bx * 8);
        if (last == 0)
        {
            JpegIdct.TransformDcOnly(block[0], c.Quant![0], dst, stride);
            block[0] = 0;
            return;
        }
        JpegIdct.Transform(block, c.Quant!, dst, stride);
        Array.Clear(block);
    }

    public readonly void Reset() { }
}
