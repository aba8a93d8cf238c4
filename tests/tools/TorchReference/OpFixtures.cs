namespace TorchReference;
internal static class OpFixtures { public static void Write(string outDir) => throw new NotImplementedException(); }
