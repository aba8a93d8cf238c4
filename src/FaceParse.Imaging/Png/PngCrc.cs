namespace FaceParse.Imaging.Png;

/// <summary>CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) as used by PNG chunks.</summary>
internal static class PngCrc
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    // bytes[n] → crc32 of the concatenation, continuing from a previous Compute result
    public static uint Compute(ReadOnlySpan<byte> bytes, uint previous = 0)
    {
        uint c = ~previous;
        foreach (byte b in bytes) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }
}
