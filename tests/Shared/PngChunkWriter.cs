using System.Buffers.Binary;
using System.Text;

namespace FaceParse.TestSupport;

/// <summary>Writes one PNG chunk (length, type, data, CRC-32) without the library's encoder, so tests can build PNG files
/// the code under test did not write. Linked into every test project that needs it.</summary>
internal static class PngChunkWriter
{
    // [length BE32][type 4 ASCII][data][CRC-32 BE32 over type + data]
    public static void Write(Stream output, string type, byte[] data)
    {
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        var word = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        output.Write(word);
    }

    // bit-by-bit CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), the PNG chunk checksum
    public static uint Crc32(byte[] bytes)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }
}
