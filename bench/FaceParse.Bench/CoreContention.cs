using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace FaceParse.Bench;

/// <summary>What one core loses when the other works, without FaceParse in the way: <c>fma</c> keeps eight AVX-512 FMA
/// chains in registers (no memory traffic), <c>stream</c> touches one float per 64-byte line of a 64 MB array (DRAM
/// bandwidth). <c>bench/core-contention.sh</c> runs each alone and as two processes at once.
/// <c>dotnet bench/FaceParse.Bench/bin/Release/net10.0/FaceParse.Bench.dll core-contention fma|stream</c></summary>
internal static class CoreContention
{
    public static void Run(string[] args)
    {
        string kind = args.Length > 0 ? args[0] : throw new ArgumentException("usage: core-contention fma|stream");
        var clock = Stopwatch.StartNew();
        float check = kind switch
        {
            "fma" => Fma(400_000_000),
            "stream" => Stream(60),
            _ => throw new ArgumentException($"core-contention: '{kind}' is not fma or stream"),
        };
        Console.WriteLine($"{kind} {clock.Elapsed.TotalSeconds:F3} s (checksum {check:G3})");
    }

    // eight independent FMA chains, iterations × 8 vector FMAs
    private static float Fma(long iterations)
    {
        var a = Vector512.Create(0.9999999f);
        var b = Vector512.Create(1e-7f);
        Vector512<float> c0 = a, c1 = b, c2 = a, c3 = b, c4 = a, c5 = b, c6 = a, c7 = b;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7).ToScalar();
    }

    // passes over a 64 MB array, one read-modify-write per cache line
    private static float Stream(int passes)
    {
        var data = new float[16 << 20];
        float sum = 0;
        for (int pass = 0; pass < passes; pass++)
            for (int i = 0; i < data.Length; i += 16)
            {
                data[i] += 1;
                sum += data[i];
            }
        return sum;
    }
}
