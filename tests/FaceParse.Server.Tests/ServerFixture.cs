using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Tests.Inference;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FaceParse.Server.Tests;

/// <summary>The repository's own files the tests use: the sample photo and the shipped default model.</summary>
public static class Repo
{
    public static string Root { get; } = Locate();

    public static string SamplePhotoPath => Path.Combine(Root, "docs", "sample", "astronaut.png");

    public static byte[] SamplePhoto { get; } = File.ReadAllBytes(SamplePhotoPath);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FaceParse.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No FaceParse.slnx above {AppContext.BaseDirectory}.");
    }
}

/// <summary>One in-memory server (WebApplicationFactory over the real Program) serving the shipped default model and a tiny
/// seeded model, shared by the API and bad-input tests. The small upload limit keeps the 413 tests cheap.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const int UploadLimitMb = 8;

    private readonly string _folder = Directory.CreateTempSubdirectory("faceparse-server-tests-").FullName;

    public ServerFixture()
    {
        TinyPath = TinyModels.Save(_folder, "tiny-server");
        Options = new ServerOptions { Models = ["default", TinyPath], MaxUploadMb = UploadLimitMb, MaxConcurrency = 2, MaxQueue = 8, MaxOutPixels = 1 << 20 };
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
            web.ConfigureTestServices(services => services.AddSingleton(Options)));
        Client = Factory.CreateClient();
    }

    public string TinyPath { get; }
    public ServerOptions Options { get; }
    public WebApplicationFactory<Program> Factory { get; }
    public HttpClient Client { get; }

    /// <summary>The same model the server answers "default" with, loaded independently through the library.</summary>
    public SegmentationModel DefaultModel { get; } = ModelRegistry.Load("default");

    public Image SamplePhoto { get; } = ImageCodec.Decode(Repo.SamplePhoto).Image;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "in-memory server";
}
