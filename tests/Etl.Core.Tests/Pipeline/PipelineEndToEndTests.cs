using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.Pipeline;

/// <summary>Runs the pipeline on a temp lake and checks the output with DuckDB.</summary>
public sealed class PipelineEndToEndTests : IDisposable
{
    private const string Yaml = """
        pipeline: retail-sales
        lake: ./lake
        datasets:
          - name: partner_sales
            match: "landing/partners/{partner}/*.csv*"
            columns:
              - { name: order_id, type: int64, required: true }
              - { name: order_date, type: date, format: "M/d/yyyy", required: true, aliases: ["Order Date"] }
              - { name: country, type: string, aliases: ["Country"] }
              - { name: unit_price, type: "decimal(18,2)", aliases: ["Unit Price"] }
            extra_columns: rescue
            partition_by: [partner, year(order_date), month(order_date)]
            on_bad_rows: reject
        """;

    private readonly TempDirectory _dir = new("pipeline-e2e");

    public PipelineEndToEndTests() => File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml);

    private string Lake => _dir.Combine("lake");

    [Fact]
    public async Task Run_GoodAndBadFiles_OutputsRejectsQuarantineAndAccounting()
    {
        Land("partners/acme/2024-01.csv", "order_id,Order Date,Country,Unit Price\n1,1/5/2024,Chad,10.50\n2,1/31/2024,Peru,0.01\n3,2/1/2024,Chad,100\n");
        Land("partners/zenith/jan.csv", "Order Date,order_id,country,unit_price,note\n1/2/2024,10,\"Côte d'Ivoire\",5.25,hello\n1/3/2024,xx,Chad,1.00,bad id\n1/4/2024,12,Chad,1.234,too precise\n");
        Land("partners/zenith/broken.csv", "order_id,country\n1,Chad\n");

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(2);
        summary.FilesQuarantined.ShouldBe(1);
        foreach (var f in summary.Files)
        {
            f.RowsRead.ShouldBe(f.RowsWritten + f.RowsRejected + f.RowsFiltered.Values.Sum(), f.File.Key);
        }

        var glob = DuckDb.Literal(Path.Combine(Lake, "processed", "partner_sales", "**", "*.parquet"));
        var rows = await DuckDb.QueryAsync($"""
            SELECT partner, year, month, count(*)::VARCHAR AS n, sum(unit_price)::VARCHAR AS total
            FROM read_parquet({glob}, hive_partitioning = true) GROUP BY ALL ORDER BY ALL
            """);
        rows.Rows.Select(r => $"{r["partner"]}/{r["year"]}/{r["month"]}:{r["n"].GetString()}:{r["total"].GetString()}")
            .ShouldBe(["acme/2024/1:2:10.51", "acme/2024/2:1:100.00", "zenith/2024/1:1:5.25"]);
        (await DuckDb.ScalarAsync($"SELECT _rescued FROM read_parquet({glob}) WHERE order_id = 10")).ShouldBe("{\"note\":\"hello\"}");
        (await DuckDb.ScalarAsync($"SELECT country FROM read_parquet({glob}) WHERE order_id = 10")).ShouldBe("Côte d'Ivoire");

        var rejects = File.ReadAllLines(Directory.GetFiles(_dir.Combine("lake", "rejects", "partner_sales"))[0]);
        rejects.Length.ShouldBe(2);
        rejects[0].ShouldContain("\"line\":3");
        rejects[0].ShouldContain("\"column\":\"order_id\"");
        rejects[1].ShouldContain("more than 2 decimal places");

        var sidecar = JsonDocument.Parse(File.ReadAllText(_dir.Combine("lake", "quarantine", "partner_sales", "partners", "zenith", "broken.csv.error.json")));
        sidecar.RootElement.GetProperty("missingColumns").EnumerateArray().Select(e => e.GetString()).ShouldBe(["order_date"]);
        File.Exists(_dir.Combine("lake", "quarantine", "partner_sales", "partners", "zenith", "broken.csv")).ShouldBeTrue();
    }

    [Fact]
    public async Task Run_Twice_SecondRunFindsNothingAndWritesNothing()
    {
        Land("partners/acme/a.csv", "order_id,order_date\n1,1/1/2024\n");
        await RunAsync();
        var before = Snapshot();

        var second = await RunAsync();

        second.Files.ShouldBeEmpty();
        Snapshot().ShouldBe(before);
    }

    [Fact]
    public async Task Run_FileReplacedWithNewContent_OldRowsGoneNewRowsThere()
    {
        Land("partners/acme/a.csv", "order_id,order_date,unit_price\n1,1/1/2024,1.00\n2,2/1/2024,2.00\n");
        await RunAsync();
        Land("partners/acme/a.csv", "order_id,order_date,unit_price\n7,3/1/2024,7.00\n");

        var summary = await RunAsync();

        summary.Files.Single().File.Reason.ShouldBe("changed");
        var glob = DuckDb.Literal(Path.Combine(Lake, "processed", "**", "*.parquet"));
        (await DuckDb.ScalarAsync($"SELECT string_agg(order_id::VARCHAR, ',') FROM read_parquet({glob})")).ShouldBe("7");
        Directory.GetFiles(Path.Combine(Lake, "processed"), "*.parquet", SearchOption.AllDirectories).Length.ShouldBe(1, "the Jan and Feb partitions of the old version are removed");
    }

    [Fact]
    public async Task Run_ReplacementQuarantined_PreviousOutputKeptAndSaidSo_ThenReplacedByTheNextGoodVersion()
    {
        Land("partners/acme/a.csv", "order_id,order_date,unit_price\n1,1/1/2024,1.00\n2,2/1/2024,2.00\n");
        await RunAsync();
        Land("partners/acme/a.csv", "order_id,unit_price\n9,9.00\n");

        var bad = (await RunAsync()).Files.Single();

        bad.Status.ShouldBe(FileStatus.Quarantined);
        bad.Error.ShouldNotBeNull().ShouldContain("order_date");
        bad.Error.ShouldContain("(2 rows in 2 file(s)) stays in processed/ until a version of this file succeeds");
        var glob = DuckDb.Literal(Path.Combine(Lake, "processed", "**", "*.parquet"));
        (await DuckDb.ScalarAsync($"SELECT string_agg(order_id::VARCHAR, ',' ORDER BY order_id) FROM read_parquet({glob})")).ShouldBe("1,2");
        using (var sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(Lake, "quarantine", "partner_sales", "partners", "acme", "a.csv.error.json"))))
        {
            sidecar.RootElement.GetProperty("keptOutputs").GetArrayLength().ShouldBe(2);
        }

        Land("partners/acme/a.csv", "order_id,order_date,unit_price\n7,3/1/2024,7.00\n");
        var good = (await RunAsync()).Files.Single();

        good.Status.ShouldBe(FileStatus.Succeeded);
        (await DuckDb.ScalarAsync($"SELECT string_agg(order_id::VARCHAR, ',') FROM read_parquet({glob})")).ShouldBe("7");
        Directory.GetFiles(Path.Combine(Lake, "processed"), "*.parquet", SearchOption.AllDirectories).Length.ShouldBe(1, "the first version's Jan and Feb outputs are removed, though the version before this one was quarantined");
    }

    [Fact]
    public async Task Run_DefinitionChanged_EveryFileReprocessed()
    {
        Land("partners/acme/a.csv", "order_id,order_date\n1,1/1/2024\n");
        await RunAsync();
        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml.Replace("on_bad_rows: reject", "on_bad_rows: fail_file", StringComparison.Ordinal));

        var summary = await RunAsync();

        summary.Files.Single().File.Reason.ShouldBe("definition_changed");
    }

    [Fact]
    public async Task Run_GzipAndZip_BothRead()
    {
        Land("partners/acme/a.csv.gz", Gzip("order_id,order_date\n1,1/1/2024\n2,1/2/2024\n"));
        Land("partners/acme/b.csv.zip", Zip(("x.csv", "order_id,order_date\n3,1/1/2024\n"), ("y.csv", "order_id,order_date\n4,1/1/2024\n")));

        var summary = await RunAsync();

        summary.RowsWritten.ShouldBe(4);
        summary.FilesSucceeded.ShouldBe(2);
        var zip = summary.Files.Single(f => f.File.Key.EndsWith(".zip", StringComparison.Ordinal));
        zip.Parts.ShouldNotBeNull().Select(p => $"{p.Name}:{p.RowsRead}:{p.RowsWritten}:{p.RowsRejected}").ShouldBe(["x.csv:1:1:0", "y.csv:1:1:0"]);
        summary.Files.Single(f => f.File.Key.EndsWith(".gz", StringComparison.Ordinal)).Parts.ShouldBeNull();
    }

    [Fact]
    public async Task Run_ZipWithEscapingEntry_Quarantined()
    {
        Land("partners/acme/evil.csv.zip", Zip(("../../etc/x.csv", "order_id,order_date\n1,1/1/2024\n")));

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        summary.Files[0].Error.ShouldNotBeNull().ShouldContain("escape");
    }

    public void Dispose() => _dir.Dispose();

    private async Task<RunSummary> RunAsync()
    {
        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var runner = new PipelineRunner(definition, new LocalObjectStore(definition.Lake));
        var (_, summary) = await runner.RunAsync(new RunOptions());
        return summary;
    }

    private void Land(string key, string content) => Land(key, System.Text.Encoding.UTF8.GetBytes(content));

    private void Land(string key, byte[] content)
    {
        var path = Path.Combine(Lake, "landing", key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    private string[] Snapshot() => Directory.Exists(Lake)
        ? Directory.GetFiles(Lake, "*", SearchOption.AllDirectories).Where(p => !p.Contains("leases", StringComparison.Ordinal)).Select(p => p + ":" + File.GetLastWriteTimeUtc(p).Ticks).Order().ToArray()
        : [];

    private static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest))
        {
            gz.Write(System.Text.Encoding.UTF8.GetBytes(text));
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
                s.Write(System.Text.Encoding.UTF8.GetBytes(text));
            }
        }

        return ms.ToArray();
    }
}
