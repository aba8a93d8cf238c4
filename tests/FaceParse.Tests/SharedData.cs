namespace FaceParse.Tests;

/// <summary>Finds <c>shared/data</c> (the repository root's parent holds <c>shared/</c>) by walking up from the test assembly.
/// Tests that need it skip with a visible message when it is absent, and fail instead when FACEPARSE_REQUIRE_DATA=1.</summary>
public static class SharedData
{
    public static bool Required => Environment.GetEnvironmentVariable("FACEPARSE_REQUIRE_DATA") == "1";

    /// <summary>The shared/data folder, or null when no ancestor directory has one.</summary>
    public static string? Root { get; } = Locate();

    private static string? Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Absolute path of <paramref name="relative"/> under shared/data; skips (or fails when required) if it is missing.</summary>
    public static string PathOf(string relative)
    {
        string? path = Root is null ? null : Path.Combine(Root, relative);
        if (path is not null && (File.Exists(path) || Directory.Exists(path))) return path;
        string message = $"shared/data/{relative} not found above {AppContext.BaseDirectory} (expected e.g. /work/shared/data/{relative})";
        if (Required) Assert.Fail(message + "; FACEPARSE_REQUIRE_DATA=1 makes this a failure");
        Assert.Skip(message);
        return null!;
    }
}
