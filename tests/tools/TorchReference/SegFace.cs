namespace TorchReference;
internal static class SegFaceFixture { public static void Write(string outDir) => throw new NotImplementedException(); }
