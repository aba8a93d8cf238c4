using System.Buffers.Binary;
using System.Text;
using FaceParse.Tensors;
using FaceParse.Training;

namespace FaceParse.Tests.Training;

public sealed class NpyAndProgressTests
{
    // Built by hand from the NumPy format spec (numpy.lib.format, version 1.0), independent of Npy.Header.
    private static byte[] Fixture(string dict, float[] values)
    {
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange([1, 0, (byte)((total - 10) & 0xFF), (byte)((total - 10) >> 8)]);
        bytes.AddRange(Encoding.ASCII.GetBytes(dict.PadRight(total - 11)));
        bytes.Add((byte)'\n');
        foreach (float v in values)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(b, v);
            bytes.AddRange(b);
        }
        return [.. bytes];
    }

    [Fact]
    public void WritesExactlyTheNumPyV1Layout()
    {
        float[] values = [.. Enumerable.Range(0, 2 * 3 * 4).Select(i => i * 0.5f - 3)];
        var expected = Fixture("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }", values);
        using var stream = new MemoryStream();
        Npy.Write(stream, Tensor.FromArray(values, 2, 3, 4));
        Assert.Equal(expected, stream.ToArray());
        Assert.Equal(0, Npy.Header([2, 3, 4]).Length % 64);
        Assert.Equal((byte)'\n', Npy.Header([2, 3, 4])[^1]);
        Assert.Contains("'shape': (5,), }", Encoding.ASCII.GetString(Npy.Header([5])));
    }

    [Fact]
    public void ReadsHandBuiltFilesAndRoundTripsThroughDisk()
    {
        var tensor = Npy.Read(new MemoryStream(Fixture("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", [1, 2, 3, 4.5f])));
        Assert.Equal([1, 2, 2], tensor.Shape);
        Assert.Equal([1f, 2f, 3f, 4.5f], tensor.ToArray());

        string path = Path.Combine(Path.GetTempPath(), $"faceparse-{Guid.NewGuid():N}.npy");
        try
        {
            var logits = Tensor.FromArray([.. Enumerable.Range(0, 19 * 3 * 5).Select(i => (float)Math.Sin(i))], 19, 3, 5);
            Npy.Write(path, logits);
            Assert.Equal(logits.ToArray(), Npy.Read(path).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", "'<f4'")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", "C order")]
    public void RejectsOtherDtypesAndFortranOrder(string dict, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => Npy.Read(new MemoryStream(Fixture(dict, [1, 2]))));
        Assert.Contains(expected, error.Message);
        Assert.Throws<InvalidDataException>(() => Npy.Read(new MemoryStream("PK\x03\x04not npy"u8.ToArray())));
        Assert.Throws<InvalidDataException>(() => Npy.Read(new MemoryStream(Fixture("{'descr': '<f4', 'fortran_order': False, 'shape': (9,), }", [1]))));
    }

    [Fact]
    public void ProgressReportsThroughputAndEta()
    {
        var now = TimeSpan.Zero;
        var meter = new ProgressMeter(epochs: 3, clock: () => now);
        meter.BeginEpoch(epoch: 1, stepsPerEpoch: 10);
        var reports = new List<TrainingProgress>();
        IProgress<TrainingProgress> sink = new SyncProgress(reports);
        for (int step = 0; step < 4; step++)
        {
            now += TimeSpan.FromSeconds(2);
            sink.Report(meter.Record(loss: step, images: 8, globalStep: 11 + step, learningRate: 1e-4));
        }
        var last = reports[^1];
        Assert.Equal((1, 4, 10, 14L), (last.Epoch, last.Step, last.StepsPerEpoch, last.GlobalStep));
        Assert.Equal(4.0, last.ImagesPerSecond, 9);        // 32 images in 8 s
        Assert.Equal(1.5, last.AverageLoss, 9);
        Assert.Equal(TimeSpan.FromSeconds(2 * (6 + 10)), last.Eta); // 6 steps left in epoch 1, 10 in epoch 2
        Assert.Equal(14.0 / 30, last.Fraction, 9);
    }

    [Fact]
    public void NonFiniteLossStopsWithAMessageNamingEpochAndStep()
    {
        NonFiniteLossException.ThrowIfNonFinite(0.7, 1, 2, 3);
        var error = Assert.Throws<NonFiniteLossException>(() => NonFiniteLossException.ThrowIfNonFinite(double.NaN, 4, 17, 417));
        Assert.Contains("epoch 4, step 17", error.Message);
        Assert.Contains("last good checkpoint", error.Message);
        Assert.Equal((4, 17, 417L), (error.Epoch, error.Step, error.GlobalStep));
        Assert.Throws<NonFiniteLossException>(() => NonFiniteLossException.ThrowIfNonFinite(double.PositiveInfinity, 0, 1, 1));
    }

    private sealed class SyncProgress(List<TrainingProgress> sink) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => sink.Add(value);
    }
}
