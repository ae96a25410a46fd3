using System.Text;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Parquet;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.EndToEnd;

/// <summary>Each kind of input the issue names, run through the whole pipeline on a temp lake and read back with DuckDB.</summary>
public sealed class PipelineInputsTests : IDisposable
{
    private const string Yaml = """
        pipeline: typed
        lake: ./lake
        datasets:
          - name: orders
            match: "landing/{source}/*.csv*"
            format: { type: csv, delimiter: ";" }
            columns:
              - { name: id,       type: int32,  required: true }
              - { name: big,      type: int64 }
              - { name: ratio,    type: double }
              - { name: ok,       type: bool }
              - { name: day,      type: date, required: true }
              - { name: at,       type: timestamp }
              - { name: amount,   type: "decimal(10,3)" }
              - { name: note,     type: string, max_length: 5 }
              - { name: country,  type: string }
            extra_columns: EXTRA
            partition_by: [source, country]
            on_bad_rows: BAD
        """;

    private readonly TempDirectory _dir = new("pipeline-inputs");

    private string Lake => _dir.Combine("lake");

    private string Glob => DuckDb.Literal(Path.Combine(Lake, "processed", "orders", "**", "*.parquet"));

    [Fact]
    public async Task Run_AllTypes_DuckDbSeesDeclaredTypesAndExactValues()
    {
        Define();
        Land("s1/a.csv", "id;big;ratio;ok;day;at;amount;note;country\n1;9000000000;0.25;yes;2024-02-29;2024-02-29T10:00:00Z;-12.345;hi;Chad\n2;;;false;2024-03-01;;0.5;;Chad\n");

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(1);
        var result = await DuckDb.QueryAsync($"SELECT * EXCLUDE (source, country, _rescued) FROM read_parquet({Glob}) ORDER BY id");
        result.Columns.Select(c => $"{c.Name}:{c.Type}").ShouldBe(
            ["id:INTEGER", "big:BIGINT", "ratio:DOUBLE", "ok:BOOLEAN", "day:DATE", "at:TIMESTAMP WITH TIME ZONE", "amount:DECIMAL(10,3)", "note:VARCHAR"],
            $"got {string.Join(", ", result.Columns.Select(c => c.Name + ":" + c.Type))}");
        (await DuckDb.ScalarAsync($"SELECT sum(amount)::VARCHAR FROM read_parquet({Glob})")).ShouldBe("-11.845");
        (await DuckDb.ScalarAsync($"SELECT day::VARCHAR FROM read_parquet({Glob}) WHERE id = 1")).ShouldBe("2024-02-29");
        (await DuckDb.ScalarAsync($"SELECT big::VARCHAR FROM read_parquet({Glob}) WHERE id = 1")).ShouldBe("9000000000");
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({Glob}) WHERE big IS NULL AND ratio IS NULL AND \"at\" IS NULL AND note IS NULL")).ShouldBe("1");
    }

    [Fact]
    public async Task Run_BomCrlfQuotesAndEmbeddedNewlines_ReadExactlyWithPhysicalLineInRejects()
    {
        Define();
        var csv = "\uFEFFid;day;note;country\r\n1;2024-01-01;\"a;\"\"b\";Chad\r\n2;2024-01-01;\"x\r\ny\";Chad\r\nbad;2024-01-01;z;Chad\r\n";
        Land("s1/a.csv", csv);

        var summary = await RunAsync();

        var file = summary.Files.Single();
        (file.RowsRead, file.RowsWritten, file.RowsRejected).ShouldBe((3L, 2L, 1L));
        (await DuckDb.ScalarAsync($"SELECT note FROM read_parquet({Glob}) WHERE id = 1")).ShouldBe("a;\"b");
        (await DuckDb.ScalarAsync($"SELECT note FROM read_parquet({Glob}) WHERE id = 2")).ShouldBe("x\r\ny");
        var reject = RejectLines().ShouldHaveSingleItem();
        reject.GetProperty("line").GetInt64().ShouldBe(5, "the record starts on physical line 5 because the quoted newline spans two lines");
        reject.GetProperty("column").GetString().ShouldBe("id");
        reject.GetProperty("value").GetString().ShouldBe("bad");
    }

    [Fact]
    public async Task Run_RequiredEmptyAndTooLong_RejectedWithReasons()
    {
        Define();
        Land("s1/a.csv", "id;day;note;country\n1;;ok;Chad\n2;2024-01-01;toolong;Chad\n3;2024-01-01;fine;Chad\n");

        var summary = await RunAsync();

        summary.Files.Single().RowsRejected.ShouldBe(2);
        var reasons = RejectLines().Select(r => r.GetProperty("column").GetString() + ":" + r.GetProperty("reason").GetString()).ToList();
        reasons.ShouldContain(r => r.StartsWith("day:", StringComparison.Ordinal));
        reasons.ShouldContain(r => r.StartsWith("note:", StringComparison.Ordinal) && r.Contains("max_length 5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_FailFileOnBadRow_FileQuarantinedNothingWritten()
    {
        Define(bad: "fail_file");
        Land("s1/a.csv", "id;day;country\n1;2024-01-01;Chad\nnope;2024-01-01;Chad\n");

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        summary.Files[0].RowsFiltered.ShouldBe(new Dictionary<string, long> { ["file_quarantined"] = 2 });
        Directory.Exists(Path.Combine(Lake, "processed")).ShouldBeFalse();
        var sidecar = Sidecar("s1/a.csv");
        sidecar.GetProperty("dataset").GetString().ShouldBe("orders");
        File.Exists(Path.Combine(Lake, "quarantine", "orders", "s1", "a.csv")).ShouldBeTrue();
    }

    [Fact]
    public async Task Run_ExtraColumnRejectFile_Quarantined()
    {
        Define(extra: "reject_file");
        Land("s1/a.csv", "id;day;surprise\n1;2024-01-01;x\n");

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        summary.Files[0].Error.ShouldNotBeNull().ShouldContain("surprise");
    }

    [Fact]
    public async Task Run_ExtraColumnDrop_NoRescuedColumn()
    {
        Define(extra: "drop");
        Land("s1/a.csv", "id;day;surprise\n1;2024-01-01;x\n");

        await RunAsync();

        var result = await DuckDb.QueryAsync($"SELECT * FROM read_parquet({Glob})");
        result.Columns.ShouldNotContain(c => c.Name == "_rescued" || c.Name == "surprise");
    }

    [Fact]
    public async Task Run_PartitionValueWithSlashAndEquals_PathStaysInsideAndValueRoundTrips()
    {
        Define();
        Land("s1/a.csv", "id;day;country\n1;2024-01-01;a/b=c\n2;2024-01-01;\n");

        await RunAsync();

        var parts = Directory.GetFiles(Path.Combine(Lake, "processed", "orders"), "*.parquet", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Path.Combine(Lake, "processed", "orders"), Path.GetDirectoryName(p)!)).Order().ToList();
        parts.Count.ShouldBe(2);
        parts.ShouldAllBe(p => p.StartsWith("source=s1" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && p.Count(c => c == Path.DirectorySeparatorChar) == 1);
        (await DuckDb.ScalarAsync($"SELECT country FROM read_parquet({Glob}, hive_partitioning = true) WHERE id = 1")).ShouldBe("a/b=c");
    }

    [Fact]
    public async Task Run_Output_FooterNamesSourceEtagAndPipelineVersion()
    {
        Define();
        Land("s1/a.csv", "id;day;country\n1;2024-01-01;Chad\n");

        var summary = await RunAsync();

        var path = Directory.GetFiles(Path.Combine(Lake, "processed"), "*.parquet", SearchOption.AllDirectories).ShouldHaveSingleItem();
        using var reader = ParquetFileReader.Open(File.OpenRead(path));
        var kv = reader.KeyValueMetadata;
        kv.ContainsKey("etl.version").ShouldBeTrue();
        kv["etl.source"].ShouldBe("landing/s1/a.csv");
        kv["etl.source_size"].ShouldBe(summary.Files[0].File.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        kv["etl.pipeline_version"].ShouldBe(summary.PipelineVersion);
        Path.GetFileName(path).ShouldBe($"part-{summary.Files[0].File.SourceId}.parquet");
    }

    [Fact]
    public async Task Run_Commit_WritesManifestMetricsAndRunSummaryForTheRun()
    {
        Define();
        Land("s1/a.csv", "id;day;country\n1;2024-01-01;Chad\n");

        var summary = await RunAsync();

        File.Exists(Path.Combine(Lake, "_meta", "manifest", summary.RunId + ".jsonl")).ShouldBeTrue();
        File.Exists(Path.Combine(Lake, "_meta", "metrics", summary.RunId + ".json")).ShouldBeTrue();
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(Lake, "_meta", "runs", summary.RunId + ".json")));
        run.RootElement.ToString().ShouldContain("landing/s1/a.csv");
    }

    [Fact]
    public async Task Run_QuarantinedFileUnchanged_NotRetriedUntilRetryFailedOrChanged()
    {
        Define();
        Land("s1/a.csv", "country\nChad\n");
        (await RunAsync()).FilesQuarantined.ShouldBe(1);

        (await RunAsync()).Files.ShouldBeEmpty();
        (await RunAsync(new RunOptions(RetryFailed: true))).FilesQuarantined.ShouldBe(1);

        Land("s1/a.csv", "id;day;country\n1;2024-01-01;Chad\n");
        var fixedRun = await RunAsync();
        fixedRun.FilesSucceeded.ShouldBe(1);
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({Glob})")).ShouldBe("1");
    }

    [Fact]
    public async Task Run_ReprocessAll_ReplacesOutputWithoutDuplicates()
    {
        Define();
        Land("s1/a.csv", "id;day;country\n1;2024-01-01;Chad\n2;2024-01-01;Peru\n");
        await RunAsync();

        var again = await RunAsync(new RunOptions(ReprocessAll: true));

        again.FilesSucceeded.ShouldBe(1);
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({Glob})")).ShouldBe("2");
    }

    [Fact]
    public async Task Run_ZipInsideAndTextOutsideLimits_EveryRowAccounted()
    {
        Define();
        Land("s1/a.csv.zip", Zip(("one.csv", "id;day;country\n1;2024-01-01;Chad\nx;2024-01-01;Chad\n"), ("two.csv", "id;day;country\n2;2024-01-01;Peru\n")));

        var summary = await RunAsync();

        var file = summary.Files.Single();
        (file.RowsRead, file.RowsWritten, file.RowsRejected).ShouldBe((3L, 2L, 1L));
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({Glob})")).ShouldBe("2");
    }

    [Fact]
    public async Task Run_NotGzipButNamedGz_QuarantinedWithReason()
    {
        Define();
        Land("s1/a.csv.gz", "id;day\n1;2024-01-01\n");

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        Sidecar("s1/a.csv.gz").ToString().ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Run_ManyPartitionsManyRows_RowGroupsClosedBeforeTheEndSoMemoryIsBounded()
    {
        Define();
        var sb = new StringBuilder("id;day;country\n");
        for (var i = 0; i < 600_000; i++)
        {
            sb.Append(i).Append(";2024-01-01;c").Append(i % 4).Append('\n');
        }

        Land("s1/a.csv", sb.ToString());

        var summary = await RunAsync();

        summary.RowsWritten.ShouldBe(600_000);
        var files = Directory.GetFiles(Path.Combine(Lake, "processed"), "*.parquet", SearchOption.AllDirectories);
        files.Length.ShouldBe(4);
        foreach (var f in files)
        {
            using var reader = ParquetFileReader.Open(File.OpenRead(f));
            reader.RowCount.ShouldBe(150_000);
            reader.RowGroupCount.ShouldBeGreaterThan(1, "open row groups are flushed under a memory budget, not held until the file ends");
        }

        (await DuckDb.ScalarAsync($"SELECT count(DISTINCT id) FROM read_parquet({Glob})")).ShouldBe("600000");
    }

    [Fact]
    public async Task Run_GzipExpandingPastLimit_QuarantinedAsBomb()
    {
        Define(options: "options: { max_uncompressed_bytes: 4KB }");
        var sb = new StringBuilder("id;day;country\n");
        for (var i = 0; i < 2000; i++)
        {
            sb.Append(i).Append(";2024-01-01;Chad\n");
        }

        Land("s1/big.csv.gz", Gzip(sb.ToString()));
        Land("s1/small.csv.gz", Gzip("id;day;country\n1;2024-01-01;Chad\n"));

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(1);
        summary.FilesQuarantined.ShouldBe(1);
        Sidecar("s1/big.csv.gz").GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("decompression bomb");
        Directory.GetFiles(Path.Combine(Lake, "processed"), "*.parquet", SearchOption.AllDirectories).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Run_ZipExpandingPastLimit_Quarantined()
    {
        Define(options: "options: { max_uncompressed_bytes: 4KB }");
        var sb = new StringBuilder("id;day;country\n");
        for (var i = 0; i < 2000; i++)
        {
            sb.Append(i).Append(";2024-01-01;Chad\n");
        }

        Land("s1/big.csv.zip", Zip(("a.csv", sb.ToString())));

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        summary.Files[0].Error.ShouldNotBeNull().ShouldContain("bomb");
        Directory.Exists(Path.Combine(Lake, "processed")).ShouldBeFalse();
    }

    public void Dispose() => _dir.Dispose();

    private void Define(string extra = "rescue", string bad = "reject", string options = "") =>
        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml.Replace("EXTRA", extra, StringComparison.Ordinal).Replace("BAD", bad, StringComparison.Ordinal) + "\n" + options + "\n");

    private async Task<RunSummary> RunAsync(RunOptions? options = null)
    {
        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var runner = new PipelineRunner(definition, new LocalObjectStore(definition.Lake));
        var (_, summary) = await runner.RunAsync(options ?? new RunOptions(), cancellationToken: TestContext.Current.CancellationToken);
        foreach (var f in summary.Files)
        {
            f.RowsRead.ShouldBe(f.RowsWritten + f.RowsRejected + f.RowsFiltered.Values.Sum(), f.File.Key);
        }

        return summary;
    }

    private List<JsonElement> RejectLines() =>
        Directory.GetFiles(Path.Combine(Lake, "rejects", "orders"), "*.jsonl", SearchOption.AllDirectories)
            .SelectMany(File.ReadAllLines)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();

    private JsonElement Sidecar(string landedRest)
    {
        var path = Path.Combine(Lake, "quarantine", "orders", landedRest + ".error.json");
        File.Exists(path).ShouldBeTrue($"sidecar {path}");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    }

    private void Land(string key, string content) => Land(key, Encoding.UTF8.GetBytes(content));

    private void Land(string key, byte[] content)
    {
        var path = Path.Combine(Lake, "landing", key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    private static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        return ms.ToArray();
    }

    private static byte[] Zip(params (string Name, string Text)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Create))
        {
            foreach (var (name, text) in entries)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(Encoding.UTF8.GetBytes(text));
            }
        }

        return ms.ToArray();
    }
}
