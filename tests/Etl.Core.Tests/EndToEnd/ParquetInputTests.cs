using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.EndToEnd;

/// <summary>
/// Parquet input (read with Parquet.Net) through the whole pipeline. The input files are written by DuckDB, an
/// independent writer, with the features other writers use: zstd, format v2 (DELTA encodings), nested structs, lists.
/// </summary>
public sealed class ParquetInputTests : IDisposable
{
    private const string Yaml = """
        pipeline: pq
        lake: ./lake
        datasets:
          - name: orders
            match: "landing/**"
            format: { type: parquet }
            columns:
              - { name: id,     type: int64,  required: true, aliases: [order_id] }
              - { name: day,    type: date,   format: "M/d/yyyy" }
              - { name: amount, type: "decimal(10,2)" }
              - { name: paid,   type: bool }
              - { name: city,   type: string, path: customer.address.city }
              - { name: at,     type: timestamp }
              - { name: qty,    type: int32 }
            extra_columns: EXTRA
        """;

    private readonly TempDirectory _dir = new("parquet-input");

    private string Lake => _dir.Combine("lake");

    private string Glob => DuckDb.Literal(Path.Combine(Lake, "processed", "orders", "**", "*.parquet"));

    [Fact]
    public async Task Run_DuckDbWrittenZstdV2WithStructs_EveryValueTypedAndMapped()
    {
        Define();
        await WriteWithDuckDbAsync("a.parquet", """
            SELECT i::BIGINT AS order_id, DATE '2024-01-01' + i::INTEGER AS day, (i * 1.25)::DECIMAL(10,2) AS amount, i % 2 = 0 AS paid,
                   {'address': {'city': 'c' || (i % 3)}, 'vip': i % 5 = 0} AS customer,
                   TIMESTAMPTZ '2024-01-01 10:00:00+00' + to_seconds(i) AS "at", (i % 7)::VARCHAR AS qty, 'x' || i AS note
            FROM range(20000) t(i)
            """, "COMPRESSION zstd, PARQUET_VERSION v2, ROW_GROUP_SIZE 5000");

        var summary = await RunAsync();

        var file = summary.Files.Single();
        (file.Status, file.RowsRead, file.RowsWritten, file.RowsRejected).ShouldBe((FileStatus.Succeeded, 20000L, 20000L, 0L), file.Error);
        (await DuckDb.ScalarAsync($"SELECT sum(amount)::VARCHAR FROM read_parquet({Glob})")).ShouldBe("249987500.00");
        var row = (await DuckDb.QueryAsync($"SELECT day::VARCHAR AS day, paid, city, \"at\"::VARCHAR AS at, qty, _rescued FROM read_parquet({Glob}) WHERE id = 7")).Rows.Single();
        row["day"].GetString().ShouldBe("2024-01-08", "a native date ignores the column's text format");
        row["paid"].GetBoolean().ShouldBeFalse();
        row["city"].GetString().ShouldBe("c1");
        row["at"].GetString().ShouldBe("2024-01-01 10:00:07+00");
        row["qty"].GetInt32().ShouldBe(0);
        using var rescued = JsonDocument.Parse(row["_rescued"].GetString()!);
        rescued.RootElement.GetProperty("note").GetString().ShouldBe("x7");
        rescued.RootElement.GetProperty("customer.vip").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Run_WrongTypeValuesAndNulls_RejectedWithRowNumberOthersKept()
    {
        Define(extra: "drop");
        await WriteWithDuckDbAsync("a.parquet", """
            SELECT * FROM (VALUES (1::BIGINT, '5'), (2, 'abc'), (NULL, '1'), (4, NULL)) v(id, qty)
            """);

        var summary = await RunAsync();

        var file = summary.Files.Single();
        (file.RowsRead, file.RowsWritten, file.RowsRejected).ShouldBe((4L, 2L, 2L), file.Error);
        var rejects = RejectLines();
        rejects.Select(r => (r.GetProperty("line").GetInt64(), r.GetProperty("column").GetString())).ShouldBe([(2L, "qty"), (3L, "id")]);
        rejects[0].GetProperty("value").GetString().ShouldBe("abc");
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({Glob}) WHERE id = 4 AND qty IS NULL")).ShouldBe("1");
    }

    [Fact]
    public async Task Run_CorruptAndTruncatedFiles_QuarantinedWithReason()
    {
        Define();
        await WriteWithDuckDbAsync("good.parquet", "SELECT 1::BIGINT AS id");
        var good = await File.ReadAllBytesAsync(LandingPath("good.parquet"), TestContext.Current.CancellationToken);
        Land("cut.parquet", good[..(good.Length / 2)]);
        Land("noise.parquet", [.. "PAR1"u8, .. new byte[300], .. "PAR1"u8]);

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(1);
        summary.FilesQuarantined.ShouldBe(2);
        foreach (var name in new[] { "cut.parquet", "noise.parquet" })
        {
            Sidecar(name).GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("not a readable Parquet file");
        }
    }

    [Fact]
    public async Task Run_UnsignedColumnParquetNetMisdecodes_QuarantinedNotLoadedWrong_V1FileOfTheSameValuesExact()
    {
        // UINT32 values that jump by more than 2^31: in format v2 (DELTA_BINARY_PACKED) Parquet.Net 6.1.0 decodes them
        // wrongly without an error; the decoded values then fall outside the chunk's recorded maximum.
        Define();
        const string Values = "SELECT CAST(CASE WHEN i % 2 = 0 THEN i ELSE 4000000000 - i END AS UINTEGER) AS id FROM range(200000) t(i)";
        await WriteWithDuckDbAsync("u32-v2.parquet", Values, "PARQUET_VERSION v2");
        await WriteWithDuckDbAsync("u32-v1.parquet", Values, "PARQUET_VERSION v1");

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        summary.FilesSucceeded.ShouldBe(1);
        Sidecar("u32-v2.parquet").GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("outside the minimum 0 and maximum 3999999999 the file records");
        summary.Files.Single(f => f.File.Key.EndsWith("u32-v1.parquet", StringComparison.Ordinal)).RowsWritten.ShouldBe(200_000);
        (await DuckDb.ScalarAsync($"SELECT sum(id) FROM read_parquet({Glob})")).ShouldBe("399999999900000");
    }

    [Fact]
    public async Task Run_RequiredFieldMissingOrMappedToList_QuarantinedNamingIt()
    {
        Define();
        await WriteWithDuckDbAsync("nokey.parquet", "SELECT 'x' AS qty");
        await WriteWithDuckDbAsync("list.parquet", "SELECT [1, 2] AS id");

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(2);
        Sidecar("nokey.parquet").GetProperty("missingColumns").EnumerateArray().Select(e => e.GetString()).ShouldBe(["id"]);
        Sidecar("list.parquet").GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("repeated");
    }

    [Fact]
    public async Task Run_Zipped_SpooledAndRead()
    {
        Define();
        await WriteWithDuckDbAsync("a.parquet", "SELECT i::BIGINT AS id FROM range(10) t(i)");
        var bytes = await File.ReadAllBytesAsync(LandingPath("a.parquet"), TestContext.Current.CancellationToken);
        File.Delete(LandingPath("a.parquet"));
        using (var ms = new MemoryStream())
        {
            using (var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
            {
                await using var s = await zip.CreateEntry("x.parquet").OpenAsync(TestContext.Current.CancellationToken);
                await s.WriteAsync(bytes, TestContext.Current.CancellationToken);
            }

            Land("b.zip", ms.ToArray());
        }

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(1, summary.Files[0].Error);
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({Glob})")).ShouldBe("10");
    }

    public void Dispose() => _dir.Dispose();

    private void Define(string extra = "rescue") =>
        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml.Replace("EXTRA", extra, StringComparison.Ordinal) + "\n");

    private string LandingPath(string name) => Path.Combine(Lake, "landing", name);

    private async Task WriteWithDuckDbAsync(string name, string select, string options = "")
    {
        Directory.CreateDirectory(Path.Combine(Lake, "landing"));
        await DuckDb.QueryAsync($"COPY ({select}) TO {DuckDb.Literal(LandingPath(name))} (FORMAT parquet{(options.Length > 0 ? ", " + options : "")}); SELECT 1 AS done");
    }

    private async Task<RunSummary> RunAsync()
    {
        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var runner = new PipelineRunner(definition, new LocalObjectStore(definition.Lake));
        var (_, summary) = await runner.RunAsync(new RunOptions(), cancellationToken: TestContext.Current.CancellationToken);
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

    private void Land(string key, byte[] content)
    {
        var path = LandingPath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }
}
