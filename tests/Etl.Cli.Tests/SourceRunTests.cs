using System.Text;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>`etl run` fetches declared sources first, from a local HTTP server.</summary>
public sealed class SourceRunTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-source");
    private readonly LocalHttpServer _server = new();

    [Fact]
    public async Task Run_UrlSource_FetchedProcessedThenNotModified()
    {
        _server.Handle = async (ctx, _) =>
        {
            if (ctx.Request.Headers["If-None-Match"] == "\"1\"")
            {
                ctx.Response.StatusCode = 304;
                return;
            }

            var body = Encoding.UTF8.GetBytes("id,name\n1,a\n2,b\n");
            ctx.Response.Headers["ETag"] = "\"1\"";
            ctx.Response.ContentLength64 = body.Length;
            await ctx.Response.OutputStream.WriteAsync(body);
        };
        Define("people.csv");

        var (code, stdout, stderr) = await Cli.InvokeAsync("run", "--config", _dir.Combine("pipeline.yaml"));
        var (again, _, againErr) = await Cli.InvokeAsync("run", "--config", _dir.Combine("pipeline.yaml"));

        code.ShouldBe(0, stderr);
        stderr.ShouldContain("Source people: fetched 16 bytes -> landing/people/people.csv");
        stdout.ShouldContain("1 succeeded");
        again.ShouldBe(0);
        againErr.ShouldContain("Source people: not modified");
    }

    [Fact]
    public async Task Run_UrlSourceFails_ExitsOneAndSaysWhy()
    {
        _server.Handle = (ctx, _) =>
        {
            ctx.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        Define("people.csv", "attempts: 1");

        var (code, _, stderr) = await Cli.InvokeAsync("run", "--config", _dir.Combine("pipeline.yaml"));

        code.ShouldBe(1);
        stderr.ShouldContain("Source people failed: GET " + _server.Url + "people.csv for dataset 'people' returned 500");
    }

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }

    private void Define(string path, string extra = "") =>
        File.WriteAllText(_dir.Combine("pipeline.yaml"), $$"""
            pipeline: fetch
            lake: ./lake
            datasets:
              - name: people
                match: "landing/people/*.csv"
                source:
                  url: "{{_server.Url}}{{path}}"
                  {{extra}}
                columns:
                  - { name: id, type: int32, required: true }
                  - { name: name, type: string }
            """);
}
