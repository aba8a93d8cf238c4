using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace FaceParse.Server.Tests;

/// <summary>The application on real Kestrel at 127.0.0.1 with a free port (loopback only), for the load and browser tests.</summary>
public sealed class RealServer : IAsyncDisposable
{
    private RealServer(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }
    public Uri Address { get; }
    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<RealServer> StartAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        var app = ServerApp.Create(["--urls", "http://127.0.0.1:0", "--environment", "Production"], options);
        await app.StartAsync(cancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var uri = new Uri(address.EndsWith('/') ? address : address + "/");
        Assert.True(uri.IsLoopback, $"the test server must listen on loopback only, got {uri}");
        return new RealServer(app, uri);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
