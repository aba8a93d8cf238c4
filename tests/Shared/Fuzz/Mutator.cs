using System.Buffers.Binary;

namespace FaceParse.Testing.Fuzz;

/// <summary>One format-aware edit: returns the edited copy, or null when it does not apply to this input.</summary>
public delegate byte[]? Mutation(byte[] input, Random rng);

/// <summary>Deterministic mutations of a seed corpus: every case is a pure function of (seed, case index), so a failure
/// reproduces alone. Each case applies one to three edits, drawn from the generic byte-level ones (bit flips, byte runs,
/// interesting integers, insertions, deletions, truncation, splices with another corpus file, duplicated ranges) and
/// the target's format-aware ones (chunk length/CRC edits, huge dimensions, zlib and Huffman-table damage, ...).</summary>
public sealed class Mutator(IReadOnlyList<byte[]> corpus, IReadOnlyList<(string Name, Mutation Apply)> formatMutations)
{
    private static readonly (string Name, Mutation Apply)[] Generic =
    [
        ("bit-flips", BitFlips), ("byte-set", ByteSet), ("byte-run", ByteRun), ("interesting-int", InterestingInt),
        ("insert", Insert), ("delete", Delete), ("truncate", Truncate), ("duplicate-range", DuplicateRange),
    ];

    public IReadOnlyList<byte[]> Corpus { get; } = corpus.Count > 0 ? corpus : throw new ArgumentException("empty corpus");

    /// <summary>The mutated input of one case and a description of the edits.</summary>
    public (byte[] Bytes, string What) Case(int seed, int index)
    {
        var rng = new Random(HashCode.Combine(seed, index, 0x5eed));
        int source = rng.Next(Corpus.Count);
        byte[] bytes = Corpus[source];
        var what = new List<string> { $"seed file {source}" };
        int edits = 1 + (rng.Next(4) == 0 ? rng.Next(3) : 0);
        for (int e = 0; e < edits; e++)
        {
            // Half of the edits are format-aware when the target has any; splices need a second file.
            bool format = formatMutations.Count > 0 && rng.Next(2) == 0;
            byte[]? next;
            string name;
            if (!format && rng.Next(8) == 0)
            {
                (next, name) = (Splice(bytes, Corpus[rng.Next(Corpus.Count)], rng), "splice");
            }
            else
            {
                var (n, apply) = format ? formatMutations[rng.Next(formatMutations.Count)] : Generic[rng.Next(Generic.Length)];
                (next, name) = (apply(bytes, rng), n);
            }
            if (next is null) continue;
            bytes = next;
            what.Add(name);
        }
        if (ReferenceEquals(bytes, Corpus[source])) (bytes, what) = (BitFlips(bytes, rng)!, [.. what, "bit-flips"]);
        return (bytes, string.Join(", ", what));
    }

    /// <summary>An offset biased towards the start (where headers live) half of the time.</summary>
    public static int Offset(byte[] data, Random rng) =>
        data.Length == 0 ? 0 : rng.Next(2) == 0 ? rng.Next(Math.Min(data.Length, 256)) : rng.Next(data.Length);

    private static byte[]? BitFlips(byte[] data, Random rng)
    {
        if (data.Length == 0) return null;
        var copy = (byte[])data.Clone();
        for (int i = 1 + rng.Next(8); i > 0; i--) copy[Offset(copy, rng)] ^= (byte)(1 << rng.Next(8));
        return copy;
    }

    private static byte[]? ByteSet(byte[] data, Random rng)
    {
        if (data.Length == 0) return null;
        var copy = (byte[])data.Clone();
        copy[Offset(copy, rng)] = (byte)rng.Next(256);
        return copy;
    }

    private static readonly byte[] RunValues = [0x00, 0xFF, 0x7F, 0x80];

    private static byte[]? ByteRun(byte[] data, Random rng)
    {
        if (data.Length == 0) return null;
        var copy = (byte[])data.Clone();
        int at = Offset(copy, rng), length = Math.Min(copy.Length - at, 1 + rng.Next(rng.Next(2) == 0 ? 16 : 1024));
        byte value = rng.Next(3) == 0 ? (byte)rng.Next(256) : RunValues[rng.Next(RunValues.Length)];
        copy.AsSpan(at, length).Fill(value);
        return copy;
    }

    private static readonly uint[] Interesting = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 20, 100_000];

    private static byte[]? InterestingInt(byte[] data, Random rng)
    {
        if (data.Length < 4) return null;
        var copy = (byte[])data.Clone();
        int at = Math.Min(Offset(copy, rng), copy.Length - 4);
        uint value = Interesting[rng.Next(Interesting.Length)];
        switch (rng.Next(4))
        {
            case 0: BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(at), value); break;
            case 1: BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), value); break;
            case 2: BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(at), (ushort)value); break;
            default: BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at), (ushort)value); break;
        }
        return copy;
    }

    private static byte[]? Insert(byte[] data, Random rng)
    {
        int at = Offset(data, rng), length = 1 + rng.Next(rng.Next(2) == 0 ? 4 : 256);
        var extra = new byte[length];
        rng.NextBytes(extra);
        return [.. data.AsSpan(0, at), .. extra, .. data.AsSpan(at)];
    }

    private static byte[]? Delete(byte[] data, Random rng)
    {
        if (data.Length < 2) return null;
        int at = Offset(data, rng), length = Math.Min(data.Length - at, 1 + rng.Next(rng.Next(2) == 0 ? 4 : 256));
        return [.. data.AsSpan(0, at), .. data.AsSpan(at + length)];
    }

    private static byte[]? Truncate(byte[] data, Random rng) => data.Length < 2 ? null : data[..rng.Next(data.Length)];

    private static byte[]? DuplicateRange(byte[] data, Random rng)
    {
        if (data.Length < 2) return null;
        int at = rng.Next(data.Length), length = Math.Min(data.Length - at, 1 + rng.Next(512));
        int to = rng.Next(data.Length);
        return [.. data.AsSpan(0, to), .. data.AsSpan(at, length), .. data.AsSpan(to)];
    }

    // head of one file + tail of another (formats with a shared signature keep it)
    private static byte[] Splice(byte[] a, byte[] b, Random rng)
    {
        int cutA = rng.Next(a.Length + 1), cutB = rng.Next(b.Length + 1);
        return [.. a.AsSpan(0, cutA), .. b.AsSpan(cutB)];
    }
}
