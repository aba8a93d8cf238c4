namespace FaceParse.Tensors;

/// <summary>Shape arithmetic shared by all ops: counts, strides, axis normalisation, broadcasting, formatting.</summary>
public static class Shapes
{
    public static int Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension in shape {Format(shape)}.");
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"Shape {Format(shape)} has more than {Array.MaxLength} elements.");
        }
        return (int)n;
    }

    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    public static bool IsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        if (shape.Contains(0)) return true; // no elements: every layout is contiguous (as in PyTorch)
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && strides[i] != s) return false;
            s *= shape[i];
        }
        return true;
    }

    /// <summary>Normalises a possibly negative axis; throws ArgumentException when out of range.</summary>
    public static int Axis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)Math.Max(rank, 1) && !(rank == 0 && a == 0))
            throw new ArgumentException($"Axis {axis} is out of range for a tensor of rank {rank}.");
        return a;
    }

    /// <summary>The broadcast shape of two shapes (NumPy/PyTorch rules), or ArgumentException naming both.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"Shapes {Format(a)} and {Format(b)} cannot be broadcast together (dimension {i}: {da} vs {db}).");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    public static string Format(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
}
