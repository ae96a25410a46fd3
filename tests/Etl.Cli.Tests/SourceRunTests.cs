using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>`etl run` and `etl serve` fetch declared sources first (the FetchSources activity), from a local HTTP server.</summary>
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

    [Fact]
    public async Task Serve_UrlSource_HttpStartFetchesTheFileAndProcessesIt()
    {
        _server.Handle = async (ctx, _) =>
        {
            var body = Encoding.UTF8.GetBytes("id,name\n1,a\n2,b\n3,c\n");
            ctx.Response.Headers["ETag"] = "\"s1\"";
            ctx.Response.ContentLength64 = body.Length;
            await ctx.Response.OutputStream.WriteAsync(body);
        };
        Define("people.csv");
        var ct = TestContext.Current.CancellationToken;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stdout = new ListeningWriter();
        var stderr = new StringWriter();
        var serve = Program.InvokeAsync(["serve", "--config", _dir.Combine("pipeline.yaml"), "--port", "0", "--schedule", "", "--poll-seconds", "0"], stdout, stderr, stop.Token);
        try
        {
            var url = await stdout.Url.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            using var http = new HttpClient { BaseAddress = new Uri(url) };

            using var start = await http.PostAsync("/api/start", null, ct);
            start.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            var statusUri = (await start.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("statusQueryGetUri").GetString()!;
            JsonElement status;
            while (true)
            {
                using var poll = await http.GetAsync(statusUri, ct);
                status = await poll.Content.ReadFromJsonAsync<JsonElement>(ct);
                if (poll.StatusCode != HttpStatusCode.Accepted)
                {
                    break;
                }

                await Task.Delay(50, ct);
            }

            status.GetProperty("runtimeStatus").GetString().ShouldBe("Completed", status.ToString());
            status.GetProperty("input").GetProperty("fetchSources").GetBoolean().ShouldBeTrue();
            var output = status.GetProperty("output");
            output.GetProperty("filesSucceeded").GetInt32().ShouldBe(1);
            output.GetProperty("rowsWritten").GetInt64().ShouldBe(3);
            var source = output.GetProperty("sources").GetProperty("sources").EnumerateArray().ShouldHaveSingleItem();
            source.GetProperty("outcome").GetString().ShouldBe("Fetched");
            source.GetProperty("landed").EnumerateArray().Select(k => k.GetString()).ShouldBe(["landing/people/people.csv"]);
            _server.Requests.Count.ShouldBe(1);
            File.ReadAllText(_dir.Combine("lake", "landing", "people", "people.csv")).ShouldBe("id,name\n1,a\n2,b\n3,c\n");
            Directory.GetFiles(_dir.Combine("lake", "processed"), "*.parquet", SearchOption.AllDirectories).ShouldNotBeEmpty();
        }
        finally
        {
            await stop.CancelAsync();
            (await serve.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None)).ShouldBe(0, stderr.ToString());
        }
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

    /// <summary>etl serve's stdout: completes <see cref="Url"/> with the address from its "listening on" line.</summary>
    private sealed class ListeningWriter : StringWriter
    {
        public TaskCompletionSource<string> Url { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void WriteLine(string? value)
        {
            lock (this)
            {
                base.WriteLine(value);
            }

            const string marker = "listening on ";
            if (value?.IndexOf(marker, StringComparison.Ordinal) is int i and >= 0)
            {
                Url.TrySetResult(value[(i + marker.Length)..].Split(". ")[0]);
            }
        }
    }
}
