using System.Net;
using FaceParse.Tests.Inference;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FaceParse.Server.Tests;

/// <summary>A parse whose estimate exceeds the server's per-parse memory budget is refused with 413 problem JSON before the
/// network runs, and the server keeps answering.</summary>
public sealed class MemoryBudgetTests
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_parse_over_the_memory_budget_gets_413_and_the_server_keeps_serving()
    {
        string folder = Directory.CreateTempSubdirectory("faceparse-server-budget-").FullName;
        try
        {
            string tiny = TinyModels.Save(folder, "tiny-budget");
            // Every estimate includes a fixed working allowance of tens of MiB, so a 1 MiB budget refuses any parse.
            var options = new ServerOptions { Models = [tiny], MemoryBudgetMb = 1 };
            await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
                web.ConfigureTestServices(services => services.AddSingleton(options)));
            using var client = factory.CreateClient();
            for (int i = 0; i < 2; i++)
            {
                var response = await client.PostAsync("/v1/parse?size=32&out_size=64&out=labels", Http.Form(Repo.SamplePhoto), Ct);
                await Http.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "over_memory_budget");
            }
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", Ct)).StatusCode);
            Assert.Throws<ArgumentException>(() => (options with { MemoryBudgetMb = -1 }).Validate());
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
