using System.Text;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.EndToEnd;

/// <summary>JSON lines input through the whole pipeline on a temp lake, read back with DuckDB.</summary>
public sealed class JsonlInputTests : IDisposable
{
    private const string Yaml = """
        pipeline: json
        lake: ./lake
        datasets:
          - name: orders
            match: "landing/{source}/*"
            format: { type: jsonl }
            columns:
              - { name: id,       type: int64,  required: true, aliases: [order_id] }
              - { name: day,      type: date,   format: "M/d/yyyy" }
              - { name: amount,   type: "decimal(10,2)" }
              - { name: paid,     type: bool }
              - { name: city,     type: string, path: customer.address.city }
              - { name: customer, type: string, path: "$.customer['full name']" }
              - { name: tags,     type: string }
            extra_columns: EXTRA
        """;

    private readonly TempDirectory _dir = new("jsonl-input");

    private string Lake => _dir.Combine("lake");

    private string Glob => DuckDb.Literal(Path.Combine(Lake, "processed", "orders", "**", "*.parquet"));

    [Fact]
    public async Task Run_NestedPathsAliasesEscapes_DuckDbSeesTypedValues()
    {
        Define();
        Land("s1/a.jsonl",
            """
            {"id": 1, "day": "2/29/2024", "amount": 12.5, "paid": true, "customer": {"full name": "Zo\u00eb \"Z\"", "address": {"city": "Lyon", "zip": "69001"}}, "tags": ["a", "b"]}

            {"order_id": "2", "day": null, "amount": "-0.10", "paid": false, "customer": {"address": {"city": null}}}
            {"ID": 3, "customer": null}
            """);

        var summary = await RunAsync();

        var file = summary.Files.Single();
        (file.Status, file.RowsRead, file.RowsWritten, file.RowsRejected).ShouldBe((FileStatus.Succeeded, 3L, 3L, 0L), file.Error);
        var result = await DuckDb.QueryAsync($"SELECT id, day::VARCHAR AS day, amount::VARCHAR AS amount, paid, city, customer, tags FROM read_parquet({Glob}) ORDER BY id");
        result.Rows.Count.ShouldBe(3);
        result.Rows[0]["day"].GetString().ShouldBe("2024-02-29");
        result.Rows[0]["amount"].GetString().ShouldBe("12.50");
        result.Rows[0]["paid"].GetBoolean().ShouldBeTrue();
        result.Rows[0]["city"].GetString().ShouldBe("Lyon");
        result.Rows[0]["customer"].GetString().ShouldBe("Zoë \"Z\"");
        result.Rows[0]["tags"].GetString().ShouldBe("[\"a\", \"b\"]", "a nested value mapped to a string column keeps its JSON text");
        result.Rows[1]["amount"].GetString().ShouldBe("-0.10");
        result.Rows[1]["day"].ValueKind.ShouldBe(JsonValueKind.Null);
        result.Rows[1]["city"].ValueKind.ShouldBe(JsonValueKind.Null);
        result.Rows[2]["city"].ValueKind.ShouldBe(JsonValueKind.Null, "a null object on the path means no value");
    }

    [Fact]
    public async Task Run_WrongTypeAtJsonPath_RowRejectedWithLineColumnAndValue()
    {
        Define();
        Land("s1/a.jsonl",
            """
            {"id": 1, "amount": 1}
            {"id": 2, "amount": "twelve"}
            {"id": 3, "customer": {"address": "Lyon"}}
            {"id": 4, "paid": {"yes": true}}
            {"amount": 5}
            """);

        var summary = await RunAsync();

        var file = summary.Files.Single();
        (file.RowsRead, file.RowsWritten, file.RowsRejected).ShouldBe((5L, 1L, 4L));
        var rejects = RejectLines();
        rejects.Select(r => (r.GetProperty("line").GetInt64(), r.GetProperty("column").GetString())).ShouldBe(
            [(2L, "amount"), (3L, "city"), (4L, "paid"), (5L, "id")]);
        rejects[0].GetProperty("value").GetString().ShouldBe("twelve");
        rejects[1].GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("customer.address.city");
        rejects[2].GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("object or array");
        rejects[3].GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("missing");
    }

    [Fact]
    public async Task Run_MalformedLineInTheMiddle_RejectedWithLineOthersKept()
    {
        Define();
        Land("s1/a.jsonl", "{\"id\": 1}\n{\"id\": 2,, }\n[1, 2]\n{\"id\": 3} trailing\n{\"id\": 4\n{\"id\": 5}\n");

        var summary = await RunAsync();

        var file = summary.Files.Single();
        (file.Status, file.RowsRead, file.RowsWritten, file.RowsRejected).ShouldBe((FileStatus.Succeeded, 6L, 2L, 4L));
        var rejects = RejectLines();
        rejects.Select(r => r.GetProperty("line").GetInt64()).ShouldBe([2L, 3L, 4L, 5L]);
        rejects[0].GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("not valid JSON");
        rejects[1].GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("not a JSON object");
        rejects[3].GetProperty("value").GetString().ShouldBe("{\"id\": 4");
    }

    [Fact]
    public async Task Run_TruncatedLastLine_FileQuarantinedWithLineAndOffset()
    {
        Define();
        Land("s1/a.jsonl", "{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3, \"customer\": {\"full na");

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        Directory.Exists(Path.Combine(Lake, "processed")).ShouldBeFalse();
        var sidecar = Sidecar("s1/a.jsonl");
        sidecar.GetProperty("line").GetInt64().ShouldBe(3);
        sidecar.GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("cut off");
        sidecar.GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("byte offset 20");
    }

    [Fact]
    public async Task Run_UnknownFields_RescuedAsJsonWithTheirValues()
    {
        Define();
        Land("s1/a.jsonl", "{\"id\": 1, \"extra\": 7, \"more\": {\"x\": [1, \"y\"]}, \"customer\": {\"vip\": true}}\n{\"id\": 2}\n");

        await RunAsync();

        (await DuckDb.ScalarAsync($"SELECT _rescued FROM read_parquet({Glob}) WHERE id = 1")).ShouldBe("{\"extra\":7,\"more\":{\"x\": [1, \"y\"]}}");
        (await DuckDb.ScalarAsync($"SELECT _rescued FROM read_parquet({Glob}) WHERE id = 2")).ShouldBeNull();
    }

    [Fact]
    public async Task Run_UnknownFieldWithRejectFile_QuarantinedNamingTheFieldAndLine()
    {
        Define(extra: "reject_file");
        Land("s1/a.jsonl", "{\"id\": 1}\n{\"id\": 2, \"surprise\": 1}\n");

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        summary.Files[0].Error.ShouldNotBeNull().ShouldContain("surprise");
        Sidecar("s1/a.jsonl").GetProperty("line").GetInt64().ShouldBe(2);
    }

    [Fact]
    public async Task Run_GzipAndZip_EveryRowAccountedPerEntry()
    {
        Define();
        Land("s1/a.jsonl.gz", Gzip("{\"id\": 1}\n{\"id\": 2}\n"));
        Land("s1/b.zip", Zip(("one.jsonl", "{\"id\": 3}\n{\"id\": \"x\"}\n"), ("readme.txt", "not data"), ("two.ndjson", "{\"id\": 4}\n")));

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(2);
        var zip = summary.Files.Single(f => f.File.Key.EndsWith(".zip", StringComparison.Ordinal));
        (zip.RowsRead, zip.RowsWritten, zip.RowsRejected).ShouldBe((3L, 2L, 1L));
        zip.Parts.ShouldNotBeNull().Select(p => p.Name).ShouldBe(["one.jsonl", "two.ndjson"]);
        (await DuckDb.ScalarAsync($"SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM read_parquet({Glob})")).ShouldBe("1,2,3,4");
    }

    [Fact]
    public async Task Run_ManyRows_SpansSeveralBatchesAndBuffers()
    {
        Define();
        var sb = new StringBuilder();
        for (var i = 0; i < 50_000; i++)
        {
            sb.Append("{\"id\":").Append(i).Append(",\"amount\":").Append(i % 100).Append(".25,\"customer\":{\"address\":{\"city\":\"c").Append(i % 7).Append("\"}},\"pad\":\"").Append('x', 20).Append("\"}\n");
        }

        Land("s1/big.jsonl", sb.ToString());

        var summary = await RunAsync();

        summary.RowsWritten.ShouldBe(50_000);
        (await DuckDb.ScalarAsync($"SELECT sum(amount)::VARCHAR FROM read_parquet({Glob})")).ShouldBe("2487500.00");
        (await DuckDb.ScalarAsync($"SELECT count(DISTINCT city) FROM read_parquet({Glob})")).ShouldBe("7");
    }

    public void Dispose() => _dir.Dispose();

    private void Define(string extra = "rescue") =>
        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml.Replace("EXTRA", extra, StringComparison.Ordinal) + "\n");

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
