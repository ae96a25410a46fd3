using System.Text;
using Etl.Core.Runs;
using Etl.Orchestration;
using Etl.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Functions.Tests;

/// <summary>
/// A definition with a URL source through the Functions app on the Durable Task engine, with the app's real
/// activities over a local lake: the FetchSources activity lands the file from a local HTTP server before Discover,
/// the run processes it, and the next run asks with the validators and lands nothing.
/// </summary>
public sealed class UrlSourceRunTests : IDisposable
{
    private readonly TempDirectory _dir = new("etl-fn-source");
    private readonly LocalHttpServer _server = new();

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task RunPipeline_UrlSource_FetchedByTheActivityThenProcessedThenNotModified()
    {
        _server.Handle = async (ctx, _) =>
        {
            if (ctx.Request.Headers["If-None-Match"] == "\"v1\"")
            {
                ctx.Response.StatusCode = 304;
                return;
            }

            var body = Encoding.UTF8.GetBytes("id,name\n1,a\n2,b\n");
            ctx.Response.Headers["ETag"] = "\"v1\"";
            ctx.Response.ContentLength64 = body.Length;
            await ctx.Response.OutputStream.WriteAsync(body);
        };
        var config = _dir.Combine("pipeline.yaml");
        await File.WriteAllTextAsync(config, $$"""
            pipeline: fetch
            lake: ./lake
            datasets:
              - name: people
                match: "landing/people/*.csv"
                source:
                  url: "{{_server.Url}}people.csv"
                columns:
                  - { name: id, type: int32, required: true }
                  - { name: name, type: string }
            """, TestContext.Current.CancellationToken);
        await using var engine = await FunctionsEngine.StartAsync(new FunctionAppSettings(config));
        var starter = engine.Services.GetRequiredService<RunStarter>();

        var (id, _) = await starter.StartOrJoinAsync(engine.Client, "http", CancellationToken.None);
        var done = await engine.WaitAsync(id);

        done.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        FunctionsEngine.Read<PipelineRunInput>(done.SerializedInput).FetchSources.ShouldBeTrue();
        var output = FunctionsEngine.Read<PipelineRunOutput>(done.SerializedOutput);
        output.FilesSucceeded.ShouldBe(1);
        output.RowsWritten.ShouldBe(2);
        var fetched = output.Sources.ShouldNotBeNull().Sources.ShouldHaveSingleItem();
        fetched.Outcome.ShouldBe(SourceOutcome.Fetched);
        fetched.Landed.ShouldBe(["landing/people/people.csv"]);
        fetched.Message.ShouldBe("Source people: fetched 16 bytes -> landing/people/people.csv");
        Directory.GetFiles(_dir.Combine("lake", "processed"), "*.parquet", SearchOption.AllDirectories).ShouldNotBeEmpty();

        // The singleton instance id is reused once the first run completed.
        var (again, _) = await starter.StartOrJoinAsync(engine.Client, "http", CancellationToken.None);
        var second = FunctionsEngine.Read<PipelineRunOutput>((await engine.WaitAsync(again)).SerializedOutput);

        second.Sources.ShouldNotBeNull().Sources.ShouldHaveSingleItem().Outcome.ShouldBe(SourceOutcome.NotModified);
        second.FilesTotal.ShouldBe(0);
        _server.Requests.Count.ShouldBe(2);
        _server.Requests[1].Headers["If-None-Match"].ShouldBe("\"v1\"");
    }
}
