using System.Text;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.EndToEnd;

/// <summary>Declared encodings other than UTF-8, transcoded while streaming, and files not valid in theirs.</summary>
public sealed class EncodingInputTests : IDisposable
{
    private readonly TempDirectory _dir = new("encoding-input");

    private string Lake => _dir.Combine("lake");

    private string Glob => DuckDb.Literal(Path.Combine(Lake, "processed", "people", "**", "*.parquet"));

    [Fact]
    public async Task Run_Latin1Csv_NamesReadAsTheirCharacters()
    {
        Define("csv", "latin1");
        Land("a.csv", Encoding.Latin1.GetBytes("id,name\n1,Café Müller\n2,Åsa ±\n"));

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(1, summary.Files[0].Error);
        (await DuckDb.ScalarAsync($"SELECT string_agg(name, '|' ORDER BY id) FROM read_parquet({Glob})")).ShouldBe("Café Müller|Åsa ±");
    }

    [Fact]
    public async Task Run_Windows1252GzippedCsv_PunctuationAndEuroSignRead()
    {
        Define("csv", "windows-1252");
        byte[] text = [.. "id,name\n1,"u8, 0x80, (byte)' ', 0x93, (byte)'q', 0x94, (byte)' ', 0x96, (byte)' ', 0xE9, (byte)'\n'];
        Land("a.csv.gz", Gzip(text));

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(1, summary.Files[0].Error);
        (await DuckDb.ScalarAsync($"SELECT name FROM read_parquet({Glob})")).ShouldBe("€ \u201Cq\u201D \u2013 é");
    }

    [Fact]
    public async Task Run_Windows1252UndefinedByte_QuarantinedWithByteOffset()
    {
        Define("csv", "windows-1252");
        Land("a.csv", [.. "id,name\n1,ok\n2,x"u8, 0x81, (byte)'\n']);

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        var reason = Sidecar("a.csv").GetProperty("reason").GetString().ShouldNotBeNull();
        reason.ShouldContain("windows-1252");
        reason.ShouldContain("byte offset 16");
        reason.ShouldContain("0x81");
        Directory.Exists(Path.Combine(Lake, "processed")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("utf-16", true, false)]
    [InlineData("utf-16", true, true)]
    [InlineData("utf-16le", false, false)]
    [InlineData("utf-16be", false, true)]
    public async Task Run_Utf16Jsonl_ReadWithOrWithoutByteOrderMark(string declared, bool bom, bool bigEndian)
    {
        Define("jsonl", declared);
        var encoding = new UnicodeEncoding(bigEndian, byteOrderMark: false);
        var body = encoding.GetBytes("{\"id\": 1, \"name\": \"Ğü 😀\"}\r\n{\"id\": 2, \"name\": \"日本\"}\r\n");
        byte[] mark = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE];
        Land("a.jsonl", bom ? [.. mark, .. body] : body);

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(1, summary.Files[0].Error);
        (await DuckDb.ScalarAsync($"SELECT string_agg(name, '|' ORDER BY id) FROM read_parquet({Glob})")).ShouldBe("Ğü 😀|日本");
    }

    [Fact]
    public async Task Run_Utf16UnpairedSurrogate_QuarantinedWithByteOffset()
    {
        Define("csv", "utf-16le");
        var good = Encoding.Unicode.GetBytes("id,name\n1,a");
        Land("a.csv", [.. good, 0x00, 0xD8, (byte)'b', 0x00, (byte)'\n', 0x00]);

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        var reason = Sidecar("a.csv").GetProperty("reason").GetString().ShouldNotBeNull();
        reason.ShouldContain($"byte offset {good.Length}");
        reason.ShouldContain("surrogate");
    }

    [Fact]
    public async Task Run_Utf16OddByteCount_Quarantined()
    {
        Define("csv", "utf-16le");
        Land("a.csv", [.. Encoding.Unicode.GetBytes("id,name\n1,a\n"), 0x41]);

        var summary = await RunAsync();

        summary.FilesQuarantined.ShouldBe(1);
        Sidecar("a.csv").GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("odd number of bytes");
    }

    [Fact]
    public void Load_UnknownEncoding_ProblemNamesTheSupportedOnes()
    {
        Define("csv", "ebcdic");

        var ex = Should.Throw<PipelineDefinitionException>(() => PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml")));

        ex.Message.ShouldContain("windows-1252");
        ex.Message.ShouldContain("utf-16");
    }

    public void Dispose() => _dir.Dispose();

    private void Define(string format, string encoding) =>
        File.WriteAllText(_dir.Combine("pipeline.yaml"), $$"""
            pipeline: enc
            lake: ./lake
            datasets:
              - name: people
                match: "landing/*"
                format: { type: {{format}}, encoding: {{encoding}} }
                columns:
                  - { name: id,   type: int32, required: true }
                  - { name: name, type: string }
            """);

    private async Task<RunSummary> RunAsync()
    {
        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var runner = new PipelineRunner(definition, new LocalObjectStore(definition.Lake));
        var (_, summary) = await runner.RunAsync(new RunOptions(), cancellationToken: TestContext.Current.CancellationToken);
        return summary;
    }

    private JsonElement Sidecar(string landedRest)
    {
        var path = Path.Combine(Lake, "quarantine", "people", landedRest + ".error.json");
        File.Exists(path).ShouldBeTrue($"sidecar {path}");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    }

    private void Land(string key, byte[] content)
    {
        var path = Path.Combine(Lake, "landing", key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest))
        {
            gz.Write(bytes);
        }

        return ms.ToArray();
    }
}
