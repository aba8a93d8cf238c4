namespace FaceParse.Cli.Tests;

/// <summary>`faceparse serve` refuses bad options and unknown models before it listens (the server itself is tested in
/// tests/FaceParse.Server.Tests).</summary>
[Collection("cli")]
public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("--max-concurrency", "0", "--max-concurrency: 0 is outside 1..256")]
    [InlineData("--max-upload-mb", "0", "--max-upload-mb: 0 is outside")]
    [InlineData("--max-queue", "-1", "--max-queue: -1 is outside")]
    [InlineData("--model", "no-such-model-anywhere", "Model 'no-such-model-anywhere' is neither a file nor a registered name")]
    public void Bad_options_fail_with_one_clear_line_before_listening(string option, string value, string message)
    {
        var (exit, stdout, stderr) = CliHarness.Run("serve", "--urls", "http://127.0.0.1:1", option, value);
        Assert.Equal(1, exit);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("listening", stdout + stderr, StringComparison.OrdinalIgnoreCase);
    }
}
