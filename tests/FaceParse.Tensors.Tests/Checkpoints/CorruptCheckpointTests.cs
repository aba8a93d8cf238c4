using FaceParse.Tensors.Serialization.PyTorch;

namespace FaceParse.Tensors.Tests.Checkpoints;

/// <summary>Real checkpoints truncated or with flipped bytes: the reader either succeeds or throws one of its two typed
/// exceptions — never IndexOutOfRange, overflow, out-of-memory or a crash.</summary>
public sealed class CorruptCheckpointTests
{
    [Theory]
    [InlineData("mtcnn/pnet.pt")]
    [InlineData("pytorch-checkpoints/adamw_load.pth")]
    [InlineData("pytorch-checkpoints/module_load.pth")]
    public void CorruptedBytesGiveTypedErrors(string relative)
    {
        byte[] original = File.ReadAllBytes(SharedFixtures.PathOf(relative));
        var rng = new Random(relative.Length);
        int failures = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            byte[] bytes = trial % 4 == 0 ? original[..rng.Next(original.Length)] : (byte[])original.Clone();
            if (trial % 4 != 0)
            {
                // Corrupt the pickle region mostly (the first few KB), where the structure lives.
                int region = Math.Min(bytes.Length, 4096);
                for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(region)] = (byte)rng.Next(256);
            }
            var error = Record.Exception(() =>
            {
                var c = TorchCheckpoint.Load(new MemoryStream(bytes), "corrupt.pt");
                foreach (var (_, t) in PickleTree.Tensors(c.Root)) t.ToTensor();
            });
            if (error is null) continue;
            failures++;
            Assert.True(error is InvalidDataException or UnsafeCheckpointException, $"trial {trial}: {error.GetType().Name}: {error.Message}");
        }
        Assert.True(failures > 0, "no corruption was detected at all");
    }
}
