using System.IO.Compression;
using System.Net;
using System.Text;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Core.Sources;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.Sources;

/// <summary>URL sources against a real HTTP server on loopback, started by each test.</summary>
public sealed class UrlSourceTests : IDisposable
{
    private const string Csv = "id,name\n1,a\n2,b\n";

    private readonly TempDirectory _dir = new("url-source");
    private readonly LocalHttpServer _server = new();
    private readonly HttpClient _http = new();
    private readonly ManualClock _clock = new();

    private string Lake => _dir.Combine("lake");

    [Fact]
    public async Task Fetch_UnchangedOnServer_ConditionalGet304AndNothingProcessedAgain()
    {
        _server.Handle = async (ctx, _) =>
        {
            if (ctx.Request.Headers["If-None-Match"] == "\"v1\"")
            {
                ctx.Response.StatusCode = 304;
                return;
            }

            ctx.Response.Headers["ETag"] = "\"v1\"";
            ctx.Response.Headers["Last-Modified"] = "Wed, 02 Dec 2026 10:00:00 GMT";
            await WriteAsync(ctx, Csv);
        };
        var definition = Define("/data/people.csv");

        var first = await FetchAsync(definition);
        var firstRun = await RunAsync(definition);
        var second = await FetchAsync(definition);
        var secondRun = await RunAsync(definition);

        (first.Outcome, first.Landed.Single()).ShouldBe((SourceFetchOutcome.Fetched, "landing/people/people.csv"), first.Note);
        firstRun.FilesSucceeded.ShouldBe(1);
        firstRun.RowsWritten.ShouldBe(2);
        second.Outcome.ShouldBe(SourceFetchOutcome.NotModified);
        secondRun.Files.ShouldBeEmpty();
        _server.Requests[1].Headers["If-None-Match"].ShouldBe("\"v1\"");
        _server.Requests[1].Headers["If-Modified-Since"].ShouldBe("Wed, 02 Dec 2026 10:00:00 GMT");
    }

    [Fact]
    public async Task Fetch_ServerIgnoresConditions_SameBytesNotLandedAgain()
    {
        _server.Handle = (ctx, _) => WriteAsync(ctx, Csv);
        var definition = Define("/people.csv");
        (await FetchAsync(definition)).Outcome.ShouldBe(SourceFetchOutcome.Fetched);
        var landedAt = File.GetLastWriteTimeUtc(Path.Combine(Lake, "landing", "people", "people.csv"));

        var again = await FetchAsync(definition);

        again.Outcome.ShouldBe(SourceFetchOutcome.Unchanged);
        File.GetLastWriteTimeUtc(Path.Combine(Lake, "landing", "people", "people.csv")).ShouldBe(landedAt);
    }

    [Fact]
    public async Task Fetch_Zip_EntriesRenamedLandedAndProcessedOriginalArchived()
    {
        var zip = Zip(("2m Sales Records.csv", Csv), ("more people.csv", "id,name\n3,c\n"));
        _server.Handle = (ctx, _) => WriteAsync(ctx, zip);
        var definition = Define("/files/2m%20Sales%20Records.zip");

        var result = await FetchAsync(definition);
        var run = await RunAsync(definition);

        result.Landed.ShouldBe(["landing/people/2m_Sales_Records.csv", "landing/people/more_people.csv"], result.Note);
        File.ReadAllBytes(Directory.GetFiles(Path.Combine(Lake, "archive", "people"), "*.zip", SearchOption.AllDirectories).ShouldHaveSingleItem()).ShouldBe(zip);
        Path.GetFileName(Directory.GetFiles(Path.Combine(Lake, "archive", "people"), "*", SearchOption.AllDirectories).Single()).ShouldBe("2m Sales Records.zip");
        run.RowsWritten.ShouldBe(3);
    }

    [Fact]
    public async Task Fetch_Http500ThenOk_RetriedAndLanded()
    {
        _server.Handle = (ctx, n) =>
        {
            if (n < 2)
            {
                ctx.Response.StatusCode = 500;
                return Task.CompletedTask;
            }

            return WriteAsync(ctx, Csv);
        };

        var result = await FetchAsync(Define("/people.csv"));

        result.Outcome.ShouldBe(SourceFetchOutcome.Fetched, result.Note);
        _server.Requests.Count.ShouldBe(3);
    }

    [Fact]
    public async Task Fetch_Http500Always_FailsAfterAttemptsWithStatusAndNothingLanded()
    {
        _server.Handle = (ctx, _) =>
        {
            ctx.Response.StatusCode = 503;
            return Task.CompletedTask;
        };

        var result = await FetchAsync(Define("/people.csv", "attempts: 3"));

        result.Outcome.ShouldBe(SourceFetchOutcome.Failed);
        result.Note.ShouldNotBeNull().ShouldContain("503");
        result.Note.ShouldContain("3 attempts");
        _server.Requests.Count.ShouldBe(3);
        Directory.Exists(Path.Combine(Lake, "landing")).ShouldBeFalse();
    }

    [Fact]
    public async Task Fetch_Http404_NotRetriedAndSaysCheckTheUrl()
    {
        _server.Handle = (ctx, _) =>
        {
            ctx.Response.StatusCode = 404;
            return Task.CompletedTask;
        };

        var result = await FetchAsync(Define("/missing.csv", "file_name: people.csv"));

        result.Outcome.ShouldBe(SourceFetchOutcome.Failed);
        result.Note.ShouldNotBeNull().ShouldContain("404");
        result.Note.ShouldContain("source.url");
        _server.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Fetch_ServerStopsMidBody_NothingLandedThenTheRetryLandsTheWholeFile()
    {
        var body = Encoding.UTF8.GetBytes("id,name\n" + string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i},n{i}\n")));
        _server.Handle = async (ctx, n) =>
        {
            ctx.Response.ContentLength64 = body.Length;
            if (n == 0)
            {
                await ctx.Response.OutputStream.WriteAsync(body.AsMemory(0, 1000));
                await ctx.Response.OutputStream.FlushAsync();
                ctx.Response.Abort();
                return;
            }

            await ctx.Response.OutputStream.WriteAsync(body);
        };
        var definition = Define("/people.csv");

        var result = await FetchAsync(definition);

        result.Outcome.ShouldBe(SourceFetchOutcome.Fetched, result.Note);
        _server.Requests.Count.ShouldBe(2);
        File.ReadAllBytes(Path.Combine(Lake, "landing", "people", "people.csv")).ShouldBe(body);
        (await RunAsync(definition)).RowsWritten.ShouldBe(20_000);
    }

    [Fact]
    public async Task Fetch_ServerAlwaysStopsMidBody_FailedAndNothingLanded()
    {
        _server.Handle = async (ctx, _) =>
        {
            ctx.Response.ContentLength64 = 10_000;
            await ctx.Response.OutputStream.WriteAsync(new byte[100]);
            await ctx.Response.OutputStream.FlushAsync();
            ctx.Response.Abort();
        };

        var result = await FetchAsync(Define("/people.csv", "attempts: 2"));

        result.Outcome.ShouldBe(SourceFetchOutcome.Failed);
        result.Note.ShouldNotBeNull().ShouldContain("nothing was landed");
        Directory.Exists(Path.Combine(Lake, "landing")).ShouldBeFalse();
    }

    [Fact]
    public async Task Fetch_AuthFromEnvironmentAndHeaders_SentButNeverStored()
    {
        var variable = "ETL_TEST_URL_TOKEN_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "Bearer s3cr3t");
        try
        {
            _server.Handle = (ctx, _) => WriteAsync(ctx, Csv);

            var result = await FetchAsync(Define("/people.csv", $"auth: {{ env: {variable} }}\n      headers: {{ User-Agent: etl-test/1.0 }}"));

            result.Outcome.ShouldBe(SourceFetchOutcome.Fetched, result.Note);
            _server.Requests[0].Headers["Authorization"].ShouldBe("Bearer s3cr3t");
            _server.Requests[0].Headers["User-Agent"].ShouldBe("etl-test/1.0");
            File.ReadAllText(Path.Combine(Lake, "_meta", "sources", "people.json")).ShouldNotContain("s3cr3t");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Fetch_LargerThanMaxBytes_FailedWithTheLimit()
    {
        _server.Handle = (ctx, _) => WriteAsync(ctx, new string('x', 5000));

        var result = await FetchAsync(Define("/people.csv", "max_bytes: 1KB"));

        result.Outcome.ShouldBe(SourceFetchOutcome.Failed);
        result.Note.ShouldNotBeNull().ShouldContain("max_bytes");
        _server.Requests.Count.ShouldBe(1, "a file too big is not retried");
    }

    [Fact]
    public async Task Fetch_Schedule_NotAskedAgainUntilTheIntervalPasses()
    {
        _server.Handle = (ctx, _) => WriteAsync(ctx, Csv);
        var definition = Define("/people.csv", "schedule: every 6h");
        await FetchAsync(definition);

        _clock.Advance(TimeSpan.FromHours(5));
        var early = await FetchAsync(definition);
        _clock.Advance(TimeSpan.FromHours(2));
        var due = await FetchAsync(definition);

        early.Outcome.ShouldBe(SourceFetchOutcome.NotDue);
        due.Outcome.ShouldBe(SourceFetchOutcome.Unchanged);
        _server.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public void Load_SecretInHeadersOrCredentialsInUrl_Refused()
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => Define("/x.csv", "headers: { Authorization: Bearer abc }"));
        ex.Message.ShouldContain("auth:");
        ex.Message.ShouldNotContain("abc");
    }

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        _dir.Dispose();
    }

    private PipelineDefinition Define(string path, string extra = "")
    {
        var yaml = $$"""
            pipeline: fetch
            lake: ./lake
            datasets:
              - name: people
                match: "landing/people/*.csv"
                source:
                  url: "{{_server.Url}}{{path.TrimStart('/')}}"
                  {{extra}}
                columns:
                  - { name: id, type: int32, required: true }
                  - { name: name, type: string }
            """;
        File.WriteAllText(_dir.Combine("pipeline.yaml"), yaml);
        return PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
    }

    private async Task<SourceFetchResult> FetchAsync(PipelineDefinition definition) =>
        (await new SourceFetcher(definition, new LocalObjectStore(definition.Lake), _http, _clock, TimeSpan.FromMilliseconds(5))
            .FetchAsync(TestContext.Current.CancellationToken)).Single();

    private static async Task<RunSummary> RunAsync(PipelineDefinition definition)
    {
        var (_, summary) = await new PipelineRunner(definition, new LocalObjectStore(definition.Lake)).RunAsync(new RunOptions(), cancellationToken: TestContext.Current.CancellationToken);
        return summary;
    }

    private static Task WriteAsync(HttpListenerContext ctx, string text) => WriteAsync(ctx, Encoding.UTF8.GetBytes(text));

    private static async Task WriteAsync(HttpListenerContext ctx, byte[] bytes)
    {
        ctx.Response.ContentLength64 = bytes.Length;
        await ctx.Response.OutputStream.WriteAsync(bytes);
    }

    private static byte[] Zip(params (string Name, string Text)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create))
        {
            foreach (var (name, text) in entries)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(Encoding.UTF8.GetBytes(text));
            }
        }

        return ms.ToArray();
    }

    /// <summary>A clock the test moves.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
