namespace FaceParse.Tensors.Tests.Checkpoints;

/// <summary>Finds <c>shared/fixtures</c> (real files written by PyTorch) by walking up from the test assembly, like
/// tests/FaceParse.Tests/SharedData.cs: skip with a message when absent, fail when FACEPARSE_REQUIRE_DATA=1.</summary>
public static class SharedFixtures
{
    public static bool Required => Environment.GetEnvironmentVariable("FACEPARSE_REQUIRE_DATA") == "1";

    public static string? Root { get; } = Locate();

    private static string? Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "fixtures");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Absolute path of <paramref name="relative"/> under shared/fixtures; skips (or fails when required) if missing.</summary>
    public static string PathOf(string relative)
    {
        string? path = Root is null ? null : Path.Combine(Root, relative);
        if (path is not null && File.Exists(path)) return path;
        string message = $"shared/fixtures/{relative} not found above {AppContext.BaseDirectory} (expected e.g. /work/shared/fixtures/{relative})";
        if (Required) Assert.Fail(message + "; FACEPARSE_REQUIRE_DATA=1 makes this a failure");
        Assert.Skip(message);
        return null!;
    }
}
