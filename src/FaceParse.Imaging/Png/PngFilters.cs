namespace FaceParse.Imaging.Png;

/// <summary>The five PNG scanline filters (None, Sub, Up, Average, Paeth) in both directions.</summary>
internal static class PngFilters
{
    public const int Count = 5;

    // (a left, b up, c up-left) → Paeth predictor: whichever of a, b, c is nearest to a + b − c (ties a, b, c)
    public static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    // prior[n], row[n] (filtered) → row[n] reconstructed in place; bpp = bytes per pixel (≥1); returns false for an unknown filter type
    public static bool Unfilter(int filterType, ReadOnlySpan<byte> prior, int bpp, Span<byte> row)
    {
        switch (filterType)
        {
            case 0:
                return true;
            case 1:
                for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp];
                return true;
            case 2:
                for (int i = 0; i < row.Length; i++) row[i] += prior[i];
                return true;
            case 3:
                for (int i = 0; i < bpp; i++) row[i] += (byte)(prior[i] >> 1);
                for (int i = bpp; i < row.Length; i++) row[i] += (byte)((row[i - bpp] + prior[i]) >> 1);
                return true;
            case 4:
                for (int i = 0; i < bpp; i++) row[i] += prior[i];
                for (int i = bpp; i < row.Length; i++) row[i] += Paeth(row[i - bpp], prior[i], prior[i - bpp]);
                return true;
            default:
                return false;
        }
    }

    // row[n], prior[n] (raw) → destination[n] filtered with filterType 0..4
    public static void Filter(int filterType, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> destination)
    {
        for (int i = 0; i < row.Length; i++)
        {
            byte a = i >= bpp ? row[i - bpp] : (byte)0;
            byte c = i >= bpp ? prior[i - bpp] : (byte)0;
            byte predictor = filterType switch
            {
                0 => 0,
                1 => a,
                2 => prior[i],
                3 => (byte)((a + prior[i]) >> 1),
                _ => Paeth(a, prior[i], c),
            };
            destination[i] = (byte)(row[i] - predictor);
        }
    }

    // filtered[n] → Σ |signed byte|, the usual "minimum sum of absolute differences" cost
    public static long Cost(ReadOnlySpan<byte> filtered)
    {
        long sum = 0;
        foreach (byte b in filtered) sum += b < 128 ? b : 256 - b;
        return sum;
    }
}
