using FaceParse.Detection;

namespace FaceParse.Tests.Detection;

/// <summary>Finds <c>shared/fixtures/mtcnn</c> like <see cref="SharedData"/> finds shared/data (skip, or fail under
/// FACEPARSE_REQUIRE_DATA=1), and loads the shipped detector once.</summary>
public static class MtcnnFixtures
{
    private static readonly Lazy<MtcnnDetector> Shared = new(() => MtcnnDetector.Load());

    /// <summary>The detector of models/mtcnn.safetensors (shared by the tests: it has no mutable state).</summary>
    public static MtcnnDetector Detector => Shared.Value;

    public static string PathOf(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "fixtures", "mtcnn", relative);
            if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
        }
        string message = $"shared/fixtures/mtcnn/{relative} not found above {AppContext.BaseDirectory}";
        if (SharedData.Required) Assert.Fail(message + "; FACEPARSE_REQUIRE_DATA=1 makes this a failure");
        Assert.Skip(message);
        return null!;
    }
}
