using System.Text;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage;
using Etl.Storage.Local;
using Etl.Testing;
using Etl.Testing.Storage;

namespace Etl.Core.Tests.Pipeline;

/// <summary>
/// processed/ as a commit boundary: a file whose publish fails part-way leaves none of its outputs, a file replaced
/// between Discover and ProcessFile is not credited to the discovered version, and outputs that no manifest record
/// names are swept by the next Discover of a host holding the lake.
/// </summary>
public sealed class CommitBoundaryTests : IDisposable
{
    private const string Yaml = """
        pipeline: boundary
        lake: ./lake
        datasets:
          - name: orders
            match: "landing/orders/*.csv"
            columns:
              - { name: order_id, type: int64, required: true }
              - { name: store_id, type: string }
            partition_by: [store_id]
        """;

    private readonly TempDirectory _dir = new("commit-boundary");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Lake => _dir.Combine("lake");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ProcessFile_PublishFailsOnThirdPartition_NoOutputOfThatVersionStays()
    {
        var definition = Setup(Csv(stores: 6));
        var faulty = new FailingCommitStore(new LocalObjectStore(Lake), failOnCommit: 3);
        var activities = new PipelineActivities(definition, faulty);
        var found = await activities.DiscoverAsync(new DiscoverRequest(definition.Name, "r1"), Ct);

        var result = await activities.ProcessFileAsync(new ProcessFileRequest(definition.Name, "r1", found.PipelineVersion, found.Files.Single()), Ct);

        result.Status.ShouldBe(FileStatus.Failed);
        result.Error!.ShouldContain("injected");
        result.Outputs.ShouldBeEmpty();
        faulty.Published.Count.ShouldBe(2, "two partitions were published before the third failed");
        ProcessedFiles().ShouldBeEmpty();

        // Once the fault is gone, the same file version is processed whole.
        var again = await new PipelineActivities(definition, new LocalObjectStore(Lake)).ProcessFileAsync(new ProcessFileRequest(definition.Name, "r2", found.PipelineVersion, found.Files.Single()), Ct);
        again.Status.ShouldBe(FileStatus.Succeeded);
        again.RowsWritten.ShouldBe(30);
        ProcessedFiles().Count.ShouldBe(6);
    }

    [Fact]
    public async Task ProcessFile_UnexpectedExceptionDuringPublish_AbandonsTheOutputsAndRethrows()
    {
        // An exception no store maps (here the raw permission error) still abandons what was published.
        var definition = Setup(Csv(stores: 6));
        var faulty = new FailingCommitStore(new LocalObjectStore(Lake), failOnCommit: 4, key => new UnauthorizedAccessException($"Access to the path '{key}' is denied."));
        var activities = new PipelineActivities(definition, faulty);
        var found = await activities.DiscoverAsync(new DiscoverRequest(definition.Name, "r1"), Ct);

        await Should.ThrowAsync<UnauthorizedAccessException>(() => activities.ProcessFileAsync(new ProcessFileRequest(definition.Name, "r1", found.PipelineVersion, found.Files.Single()), Ct));

        faulty.Published.Count.ShouldBe(3);
        ProcessedFiles().ShouldBeEmpty();
    }

    [Fact]
    public async Task ProcessFile_FileReplacedAfterDiscover_NotCreditedAndProcessedAsNewNextRun()
    {
        var definition = Setup(Csv(stores: 2));
        var store = new LocalObjectStore(Lake);
        var activities = new PipelineActivities(definition, store);
        var found = await activities.DiscoverAsync(new DiscoverRequest(definition.Name, "r1"), Ct);
        var item = found.Files.Single();

        await File.WriteAllTextAsync(Path.Combine(Lake, "landing", "orders", "a.csv"), Csv(stores: 3, rows: 50), Ct);
        var result = await activities.ProcessFileAsync(new ProcessFileRequest(definition.Name, "r1", found.PipelineVersion, item), Ct);

        result.SourceChanged.ShouldBeTrue();
        result.Error!.ShouldContain("changed while it was being read");
        ProcessedFiles().ShouldBeEmpty();
        await activities.CommitAsync(new CommitRequest(definition.Name, "r1", found.PipelineVersion, DateTimeOffset.UtcNow, [result]), Ct);
        (await Manifest.LoadAsync(store, Ct)).Latest.ShouldBeEmpty("a version that was not the one read is never recorded");

        var next = await activities.DiscoverAsync(new DiscoverRequest(definition.Name, "r2"), Ct);
        var again = await activities.ProcessFileAsync(new ProcessFileRequest(definition.Name, "r2", next.PipelineVersion, next.Files.Single()), Ct);
        again.Status.ShouldBe(FileStatus.Succeeded);
        again.RowsRead.ShouldBe(50);
        next.Files.Single().ETag.ShouldNotBe(item.ETag);
    }

    [Fact]
    public async Task Discover_ByTheLakeHolder_SweepsOutputsNoManifestNames()
    {
        var definition = Setup(Csv(stores: 3));
        var store = new LocalObjectStore(Lake);
        var plain = new PipelineActivities(definition, store);
        var found = await plain.DiscoverAsync(new DiscoverRequest(definition.Name, "r1"), Ct);

        // A host killed after publishing the file's outputs and before the commit: outputs, no manifest record.
        var result = await plain.ProcessFileAsync(new ProcessFileRequest(definition.Name, "r1", found.PipelineVersion, found.Files.Single()), Ct);
        result.Outputs.Count.ShouldBe(3);
        var stranger = Path.Combine(Lake, "processed", "orders", "notes.txt");
        await File.WriteAllTextAsync(stranger, "not ours", Ct);

        // A reader-only Discover (no lake held) leaves them; the holder's Discover sweeps ours, and only ours.
        (await plain.DiscoverAsync(new DiscoverRequest(definition.Name, "r2"), Ct)).Files.Count.ShouldBe(1);
        ProcessedFiles().Count.ShouldBe(4);
        var fenced = new FencedObjectStore(store);
        await fenced.TakeAsync("test", Ct);
        await new PipelineActivities(definition, fenced).DiscoverAsync(new DiscoverRequest(definition.Name, "r3"), Ct);
        ProcessedFiles().ShouldBe([stranger]);
    }

    private PipelineDefinition Setup(string csv)
    {
        Directory.CreateDirectory(Path.Combine(Lake, "landing", "orders"));
        File.WriteAllText(Path.Combine(Lake, "landing", "orders", "a.csv"), csv);
        var yaml = _dir.Combine("pipeline.yaml");
        File.WriteAllText(yaml, Yaml);
        return PipelineDefinitionLoader.Load(yaml);
    }

    private static string Csv(int stores, int rows = 30)
    {
        var sb = new StringBuilder("order_id,store_id\n");
        for (var i = 0; i < rows; i++)
        {
            sb.Append(i).Append(",s").Append(i % stores).Append('\n');
        }

        return sb.ToString();
    }

    private List<string> ProcessedFiles()
    {
        var processed = Path.Combine(Lake, "processed");
        return Directory.Exists(processed) ? [.. Directory.GetFiles(processed, "*", SearchOption.AllDirectories)] : [];
    }
}
