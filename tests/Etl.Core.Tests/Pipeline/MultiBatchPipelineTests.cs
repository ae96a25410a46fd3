using System.Text;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.Pipeline;

/// <summary>
/// Files of many batches, where the reader types one batch while the previous one is transformed and written on another
/// thread: rejects from typing and from transforms keep their single-threaded order, every row is accounted for, the
/// output is the same on every run, and a fail_file error mid-file leaves nothing visible.
/// </summary>
public sealed class MultiBatchPipelineTests : IDisposable
{
    private const int Rows = 30_000;

    private static string Yaml(string onBadRows) => $$"""
        pipeline: multi-batch
        lake: ./lake
        datasets:
          - name: orders
            match: "landing/orders/*.csv"
            columns:
              - { name: order_id, type: int64, required: true }
              - { name: store_id, type: string }
              - { name: units, type: int32 }
            extra_columns: drop
            on_bad_rows: {{onBadRows}}
            partition_by: [store_id]
            transforms:
              - lookup: { table: reference/stores.csv, key: store_id, columns: [region], on_missing: reject }
        """;

    private readonly TempDirectory _dir = new("multi-batch");

    private string Lake => _dir.Combine("lake");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Run_RejectsAcrossManyBatches_InLineOrderPerBatchAndEveryRowAccountedFor()
    {
        Setup("reject");

        var summary = await RunAsync();
        var rejects = await File.ReadAllLinesAsync(Path.Combine(Lake, "rejects", "orders", summary.Files.Single().File.SourceId + ".jsonl"), Ct);
        var firstRejects = string.Join('\n', rejects);
        var firstParquet = Snapshot();
        Directory.Delete(Path.Combine(Lake, "processed"), recursive: true);
        Directory.Delete(Path.Combine(Lake, "_meta"), recursive: true);
        var again = await RunAsync();

        var file = summary.Files.Single();
        file.Status.ShouldBe(FileStatus.Succeeded);
        var typingBad = Enumerable.Range(0, Rows).Count(i => i % 997 == 0);
        var lookupBad = Enumerable.Range(0, Rows).Count(i => i % 997 != 0 && i % 1009 == 0);
        file.RowsRead.ShouldBe(Rows);
        file.RowsRejected.ShouldBe(typingBad + lookupBad);
        file.RowsWritten.ShouldBe(Rows - typingBad - lookupBad);

        // Within each 8192-row batch: typing rejects (in line order), then the batch's lookup rejects (in line order);
        // batches in file order. Lines are 1-based with the header on line 1, so row i is on line i + 2.
        var expected = new List<long>();
        var kept = 0;
        var batchTyping = new List<long>();
        var batchLookup = new List<long>();
        for (var i = 0; i < Rows; i++)
        {
            if (i % 997 == 0)
            {
                batchTyping.Add(i + 2);
                continue;
            }

            if (i % 1009 == 0)
            {
                batchLookup.Add(i + 2);
            }

            if (++kept == 8192)
            {
                expected.AddRange(batchTyping);
                expected.AddRange(batchLookup);
                batchTyping.Clear();
                batchLookup.Clear();
                kept = 0;
            }
        }

        expected.AddRange(batchTyping);
        expected.AddRange(batchLookup);
        rejects.Select(LineOf).ShouldBe(expected);
        again.Files.Single().RowsRejected.ShouldBe(file.RowsRejected);
        string.Join('\n', await File.ReadAllLinesAsync(Path.Combine(Lake, "rejects", "orders", file.File.SourceId + ".jsonl"), Ct)).ShouldBe(firstRejects);
        Snapshot().ShouldBe(firstParquet);
        var sum = await DuckDb.QueryAsync($"SELECT count(*)::VARCHAR AS n, sum(units)::VARCHAR AS u FROM read_parquet({DuckDb.Literal(Path.Combine(Lake, "processed", "orders", "**", "*.parquet"))})");
        sum.Rows[0]["n"].GetString().ShouldBe(file.RowsWritten.ToString(System.Globalization.CultureInfo.InvariantCulture));
        sum.Rows[0]["u"].GetString().ShouldBe(Enumerable.Range(0, Rows).Where(i => i % 997 != 0 && i % 1009 != 0).Sum(i => (long)(i % 50)).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Run_FailFileOnARowInTheThirdBatch_QuarantinedAndNoOutputVisible()
    {
        Setup("fail_file", badRowEvery: 20_000);

        var summary = await RunAsync();

        var file = summary.Files.Single();
        file.Status.ShouldBe(FileStatus.Quarantined);
        file.Error.ShouldNotBeNull().ShouldContain("line 20002");
        Directory.Exists(Path.Combine(Lake, "processed")).ShouldBeFalse();
        File.Exists(Path.Combine(Lake, "quarantine", "orders", "orders", "orders.csv")).ShouldBeTrue();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static long LineOf(string json) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("line").GetInt64();

    private void Setup(string onBadRows, int badRowEvery = 997)
    {
        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml(onBadRows));
        Directory.CreateDirectory(Path.Combine(Lake, "reference"));
        File.WriteAllText(Path.Combine(Lake, "reference", "stores.csv"), "store_id,region\nS0,North\nS1,South\nS2,East\nS3,West\n");
        Directory.CreateDirectory(Path.Combine(Lake, "landing", "orders"));
        var csv = new StringBuilder("order_id,store_id,units\n");
        for (var i = 0; i < Rows; i++)
        {
            var units = i > 0 && i % badRowEvery == 0 ? "not-a-number" : (i % 50).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (badRowEvery == 997 && i == 0)
            {
                units = "not-a-number";
            }

            var store = badRowEvery == 997 && i % 1009 == 0 ? "S9" : "S" + (i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture);
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i},{store},{units}\n");
        }

        File.WriteAllText(Path.Combine(Lake, "landing", "orders", "orders.csv"), csv.ToString());
    }

    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(Path.Combine(Lake, "processed"), "*.parquet", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetRelativePath(Lake, p), p => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))));

    private async Task<RunSummary> RunAsync()
    {
        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var (_, summary) = await new PipelineRunner(definition, new LocalObjectStore(Lake)).RunAsync(new RunOptions(ReprocessAll: true), null, Ct);
        return summary;
    }
}
