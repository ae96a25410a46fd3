using System.Text;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Core.Sources;
using Etl.Storage;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.Sources;

/// <summary><see cref="PipelineActivities.FetchSourcesAsync"/>: the source steps a host registered, over a real lake and HTTP server.</summary>
public sealed class FetchSourcesActivityTests : IDisposable
{
    private readonly TempDirectory _dir = new("fetch-sources");
    private readonly LocalHttpServer _server = new();

    public void Dispose()
    {
        _server.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task FetchSources_KindNoStepRuns_IsAFailedResultBesideTheOthersInDefinitionOrder()
    {
        _server.Handle = async (ctx, _) =>
        {
            var body = Encoding.UTF8.GetBytes("id,name\n1,a\n");
            ctx.Response.ContentLength64 = body.Length;
            await ctx.Response.OutputStream.WriteAsync(body);
        };
        var definition = Define();

        // Only the URL step (the default when a host registers none).
        var result = await new PipelineActivities(definition, new LocalObjectStore(definition.Lake))
            .FetchSourcesAsync(new FetchSourcesRequest("fetch", "run-1"), TestContext.Current.CancellationToken);

        result.Sources.Select(s => (s.Dataset, s.Outcome)).ShouldBe([("orders", SourceOutcome.Failed), ("people", SourceOutcome.Fetched)]);
        result.Sources[0].Message.ShouldStartWith("Source orders failed: this host runs no 'postgres' sources (it runs: url)");
        result.Sources[1].Landed.ShouldBe(["landing/people/people.csv"]);
        result.Failed.ShouldBeTrue();
        File.Exists(Path.Combine(definition.Lake, "landing", "people", "people.csv")).ShouldBeTrue();
    }

    [Fact]
    public async Task FetchSources_ASourceFailedTransiently_ThrowsTransientNamingWhatEachSourceDid()
    {
        var definition = Define();
        var steps = new ISourceStep[] { new StubStep("url", true, "Source people: not modified on the server"), new StubStep("postgres", false, "Source orders failed: could not connect") };

        var error = await Should.ThrowAsync<EtlException>(() => new PipelineActivities(definition, new LocalObjectStore(definition.Lake), steps)
            .FetchSourcesAsync(new FetchSourcesRequest("fetch", "run-1"), TestContext.Current.CancellationToken));

        error.IsTransient.ShouldBeTrue();
        error.Message.Split('\n').ShouldBe(["Source orders failed: could not connect", "Source people: not modified on the server"]);
    }

    private PipelineDefinition Define()
    {
        File.WriteAllText(_dir.Combine("pipeline.yaml"), $$"""
            pipeline: fetch
            lake: ./lake
            datasets:
              - name: orders
                match: "landing/orders/*.parquet"
                format: { type: parquet }
                source:
                  postgres: FETCH_SOURCES_TEST_DB
                  table: public.orders
                  watermark: updated_at
                columns:
                  - { name: id, type: int32, required: true }
              - name: people
                match: "landing/people/*.csv"
                source:
                  url: "{{_server.Url}}people.csv"
                columns:
                  - { name: id, type: int32, required: true }
                  - { name: name, type: string }
            """);
        return PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
    }

    /// <summary>A step that reports one result for its kind's dataset: succeeded, or failed transiently.</summary>
    private sealed class StubStep(string kind, bool ok, string message) : ISourceStep
    {
        public string Kind => kind;

        public bool Runs(SourceDefinition source) => (source is UrlSourceDefinition) == (kind == "url");

        public Task<FetchSourcesResult> FetchAsync(PipelineDefinition definition, IObjectStore store, CancellationToken cancellationToken)
        {
            var dataset = kind == "url" ? "people" : "orders";
            return Task.FromResult(new FetchSourcesResult(
                [new SourceResult(dataset, kind, ok ? SourceOutcome.NotModified : SourceOutcome.Failed, [], 0, 0, null, message, IsTransient: !ok)], []));
        }
    }
}
