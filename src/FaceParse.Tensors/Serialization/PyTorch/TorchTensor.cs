using System.Buffers.Binary;

namespace FaceParse.Tensors.Serialization.PyTorch;

/// <summary>Element types of PyTorch storages (the typed storage classes and the torch.* dtype objects).</summary>
public enum TorchDType { Float32, Float64, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool }

/// <summary>One storage of a checkpoint: its key (zip entry data/&lt;key&gt; or legacy key), element type and count.
/// <see cref="Bytes"/> holds its little-endian data once read (null while only inspecting).</summary>
public sealed class TorchStorage(string key, TorchDType dtype, long numel)
{
    public string Key { get; } = key;
    public TorchDType DType { get; } = dtype;
    public long Numel { get; } = numel;
    public byte[]? Bytes { get; internal set; }

    public long ByteLength => Numel * TorchDTypes.Size(DType);
}

public static class TorchDTypes
{
    public static int Size(TorchDType t) => t switch
    {
        TorchDType.Float64 or TorchDType.Int64 => 8,
        TorchDType.Float32 or TorchDType.Int32 => 4,
        TorchDType.Float16 or TorchDType.BFloat16 or TorchDType.Int16 => 2,
        _ => 1,
    };

    public static bool IsInteger(TorchDType t) => t is TorchDType.Int64 or TorchDType.Int32 or TorchDType.Int16 or TorchDType.Int8
        or TorchDType.UInt8 or TorchDType.Bool;

    /// <summary>PyTorch's spelling: "float32", "int64", …</summary>
    public static string Name(TorchDType t) => t switch
    {
        TorchDType.Float32 => "float32", TorchDType.Float64 => "float64", TorchDType.Float16 => "float16",
        TorchDType.BFloat16 => "bfloat16", TorchDType.Int64 => "int64", TorchDType.Int32 => "int32",
        TorchDType.Int16 => "int16", TorchDType.Int8 => "int8", TorchDType.UInt8 => "uint8", _ => "bool",
    };
}

/// <summary>A tensor of a checkpoint as torch._utils._rebuild_tensor_v2 describes it: a view (offset, sizes, strides in
/// elements) into a <see cref="TorchStorage"/>. Several tensors may view one storage.</summary>
/// <remarks>Integer tensors keep their exact values through <see cref="ToInt64Array"/>; <see cref="ToTensor"/> converts
/// every dtype to float32 (integers exactly below 2^24, half/bfloat16 exactly, float64 rounded).</remarks>
public sealed class TorchTensor
{
    internal TorchTensor(TorchStorage storage, long offset, long[] shape, long[] stride, bool requiresGrad)
    {
        if (shape.Length != stride.Length)
            throw new InvalidDataException($"tensor of storage '{storage.Key}': {shape.Length} sizes but {stride.Length} strides.");
        if (shape.Length > 32) throw new InvalidDataException($"tensor of storage '{storage.Key}': rank {shape.Length} is too large.");
        if (offset < 0) throw new InvalidDataException($"tensor of storage '{storage.Key}': negative storage offset {offset}.");
        Int128 count = 1, last = offset;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0 || stride[i] < 0)
                throw new InvalidDataException($"tensor of storage '{storage.Key}': negative size or stride ({Format(shape)}, stride {Format(stride)}).");
            count *= shape[i];
            if (shape[i] > 0) last += (Int128)(shape[i] - 1) * stride[i];
            if (count > int.MaxValue) throw new InvalidDataException($"tensor of storage '{storage.Key}': {Format(shape)} has more than 2^31-1 elements.");
        }
        if (count > 0 && last >= storage.Numel)
            throw new InvalidDataException($"tensor {Format(shape)} (offset {offset}, stride {Format(stride)}) reaches element {last} of storage '{storage.Key}', which has {storage.Numel}.");
        Storage = storage;
        StorageOffset = offset;
        Shape = shape;
        Stride = stride;
        RequiresGrad = requiresGrad;
        Count = (int)count;
    }

    public TorchStorage Storage { get; }
    public TorchDType DType => Storage.DType;
    public long StorageOffset { get; }
    public IReadOnlyList<long> Shape { get; }
    public IReadOnlyList<long> Stride { get; }
    public bool RequiresGrad { get; }
    /// <summary>True when it came through torch._utils._rebuild_parameter (an nn.Parameter).</summary>
    public bool IsParameter { get; internal set; }
    public int Count { get; }

    public int[] ShapeInt32 => Shape.Select(d => (int)d).ToArray();

    /// <summary>A new contiguous float32 tensor holding the elements in row-major order of <see cref="Shape"/>.</summary>
    public Tensor ToTensor()
    {
        var values = new float[Count];
        var bytes = RequireBytes();
        int i = 0;
        foreach (long e in ElementIndices())
            values[i++] = ReadFloat(bytes, e);
        return Tensor.FromArray(values, ShapeInt32);
    }

    /// <summary>The exact values of an integer or bool tensor in row-major order.</summary>
    public long[] ToInt64Array()
    {
        if (!TorchDTypes.IsInteger(DType)) throw new InvalidOperationException($"ToInt64Array: tensor is {TorchDTypes.Name(DType)}, not an integer dtype.");
        var values = new long[Count];
        var bytes = RequireBytes();
        int i = 0;
        foreach (long e in ElementIndices())
            values[i++] = ReadInt(bytes, e);
        return values;
    }

    /// <summary>Storage element indices of the tensor's elements in row-major order (offset + Σ index·stride).</summary>
    public IEnumerable<long> ElementIndices()
    {
        if (Count == 0) yield break;
        int rank = Shape.Count;
        var index = new long[rank];
        long position = StorageOffset;
        for (int n = 0; n < Count; n++)
        {
            yield return position;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < Shape[d]) { position += Stride[d]; break; }
                position -= (Shape[d] - 1) * Stride[d];
                index[d] = 0;
            }
        }
    }

    private byte[] RequireBytes() => Storage.Bytes
        ?? throw new InvalidOperationException($"storage '{Storage.Key}' was not read (the checkpoint was opened without data).");

    private float ReadFloat(byte[] b, long element)
    {
        var s = b.AsSpan(checked((int)(element * TorchDTypes.Size(DType))));
        return DType switch
        {
            TorchDType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(s),
            TorchDType.Float64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
            TorchDType.Float16 => (float)BinaryPrimitives.ReadHalfLittleEndian(s),
            TorchDType.BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(s) << 16),
            _ => ReadInt(b, element),
        };
    }

    private long ReadInt(byte[] b, long element)
    {
        var s = b.AsSpan(checked((int)(element * TorchDTypes.Size(DType))));
        return DType switch
        {
            TorchDType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(s),
            TorchDType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(s),
            TorchDType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(s),
            TorchDType.Int8 => (sbyte)s[0],
            TorchDType.UInt8 => s[0],
            TorchDType.Bool => s[0] != 0 ? 1 : 0,
            _ => throw new InvalidOperationException($"{TorchDTypes.Name(DType)} is not an integer dtype."),
        };
    }

    internal static string Format(IReadOnlyList<long> v) => "[" + string.Join(", ", v) + "]";

    public override string ToString() => $"{TorchDTypes.Name(DType)}{Format(Shape)}";
}
