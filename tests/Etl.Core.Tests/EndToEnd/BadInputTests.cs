using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.EndToEnd;

/// <summary>
/// Hostile input never passes silently: each case runs the whole pipeline on a generated file and checks the reason,
/// the counts (read = written + rejected + filtered), and that the lake changed only where the outcome says.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private const string Yaml = """
        pipeline: hostile
        lake: ./lake
        datasets:
          - name: orders
            match: "landing/*.csv*"
            columns:
              - { name: id,      type: int32, required: true }
              - { name: day,     type: date,  required: true }
              - { name: note,    type: string }
            LIMITS
        """;

    /// <summary>GzipInput.MaxRatio: a .gz expanding more than this many times its size is refused.</summary>
    private const int MaxRatio = 1000;

    private readonly TempDirectory _dir = new("bad-input");

    private string Lake => _dir.Combine("lake");

    [Fact]
    public async Task Run_GzipCutInHalf_QuarantinedWithByteOffsetNothingWritten()
    {
        Define();
        var gz = Gzip(Rows(20_000));
        Land("a.csv.gz", gz[..(gz.Length / 2)]);
        var before = Snapshot();

        var file = await RunOneAsync();

        file.Status.ShouldBe(FileStatus.Quarantined);
        file.Error.ShouldNotBeNull().ShouldContain("is truncated");
        file.Error.ShouldContain($"byte {gz.Length / 2:N0}");
        file.RowsWritten.ShouldBe(0);
        file.RowsFiltered["file_quarantined"].ShouldBe(file.RowsRead);
        ChangedOutsideMeta(before).ShouldBe(["quarantine/orders/a.csv.gz", "quarantine/orders/a.csv.gz.error.json"]);
    }

    [Fact]
    public async Task Run_GzipMissingItsTrailer_Quarantined()
    {
        Define();
        var gz = Gzip(Rows(100));
        Land("a.csv.gz", gz[..^4]);
        var before = Snapshot();

        var file = await RunOneAsync();

        file.Status.ShouldBe(FileStatus.Quarantined);
        file.Error.ShouldNotBeNull().ShouldContain("truncated");
        ChangedOutsideMeta(before).ShouldBe(["quarantine/orders/a.csv.gz", "quarantine/orders/a.csv.gz.error.json"]);
    }

    [Fact]
    public async Task Run_GzipWithWrongCrc_QuarantinedAsCorrupt()
    {
        Define();
        var gz = Gzip(Rows(100));
        gz[^6] ^= 0xFF;
        Land("a.csv.gz", gz);

        var file = await RunOneAsync();

        file.Status.ShouldBe(FileStatus.Quarantined);
        file.Error.ShouldNotBeNull().ShouldContain("corrupt");
        Directory.Exists(Path.Combine(Lake, "processed")).ShouldBeFalse();
    }

    [Fact]
    public async Task Run_ConcatenatedGzipMembers_EveryRowRead()
    {
        Define();
        var text = Rows(3000);
        var cut = text.IndexOf('\n', text.Length / 2) + 1;
        Land("a.csv.gz", [.. Gzip(text[..cut]), .. Gzip(text[cut..])]);

        var file = await RunOneAsync();

        file.Status.ShouldBe(FileStatus.Succeeded);
        (file.RowsRead, file.RowsWritten).ShouldBe((3000L, 3000L));
    }

    [Fact]
    public async Task Run_ZipEntryFailingItsCrc_QuarantinedNothingWritten()
    {
        Define();
        var zip = Zip("one.csv", Rows(50), CompressionLevel.NoCompression);
        var at = IndexOf(zip, "id,day,note\n1,"u8) + "id,day,note\n1,".Length;
        zip[at] ^= 0x01;
        Land("a.csv.zip", zip);
        var before = Snapshot();

        var file = await RunOneAsync();

        file.Status.ShouldBe(FileStatus.Quarantined);
        file.Error.ShouldNotBeNull().ShouldContain("does not match the size and CRC-32");
        file.Error.ShouldContain("a.csv.zip!one.csv");
        ChangedOutsideMeta(before).ShouldBe(["quarantine/orders/a.csv.zip", "quarantine/orders/a.csv.zip.error.json"]);
    }

    [Fact]
    public async Task Run_RejectFloodPastMaxRejects_QuarantinedEarlyWithoutRejectsFile()
    {
        Define("max_rejects: 1000");
        var sb = new StringBuilder("id,day,note\n");
        for (var i = 0; i < 200_000; i++)
        {
            sb.Append("x\n");
        }

        Land("a.csv.gz", Gzip(sb.ToString(), CompressionLevel.Fastest));
        var before = Snapshot();

        var file = await RunOneAsync();

        file.Status.ShouldBe(FileStatus.Quarantined);
        file.Error.ShouldNotBeNull().ShouldContain("more than 1,000 rows rejected (max_rejects: 1000)");
        file.Error.ShouldContain("The first: line 2");
        file.RowsRead.ShouldBeLessThan(200_000, "the count limit stops reading as soon as it is passed");
        ChangedOutsideMeta(before).ShouldBe(["quarantine/orders/a.csv.gz", "quarantine/orders/a.csv.gz.error.json"]);
    }

    [Fact]
    public async Task Run_RejectShareOverMaxRejectRatio_Quarantined()
    {
        Define("max_reject_ratio: 10%");
        Land("a.csv", "id,day\n1,2024-01-01\nx,2024-01-01\n3,2024-01-01\ny,2024-01-01\n5,2024-01-01\n");
        Land("b.csv", Rows(20) + "bad,2024-01-01\n");

        var summary = await RunAsync();

        var a = summary.Files.Single(f => f.File.Key == "landing/a.csv");
        a.Status.ShouldBe(FileStatus.Quarantined);
        a.Error.ShouldNotBeNull().ShouldContain("2 of 5 rows rejected");
        a.RowsFiltered["file_quarantined"].ShouldBe(5);
        var b = summary.Files.Single(f => f.File.Key == "landing/b.csv");
        (b.Status, b.RowsRead, b.RowsWritten, b.RowsRejected).ShouldBe((FileStatus.Succeeded, 21L, 20L, 1L), "1 in 21 is under 10%");
    }

    [Fact]
    public async Task Run_GzipExpandingPastRatio_QuarantinedAsBomb()
    {
        Define();
        var text = new StringBuilder("id,day,note\n").Append('7', 24 << 20).ToString();
        var gz = Gzip(text, CompressionLevel.SmallestSize);
        (text.Length / gz.Length).ShouldBeGreaterThan(MaxRatio, "precondition: the file is compressed past the ratio");
        Land("a.csv.gz", gz);
        var before = Snapshot();

        var file = await RunOneAsync();

        file.Status.ShouldBe(FileStatus.Quarantined);
        file.Error.ShouldNotBeNull().ShouldContain($"more than {MaxRatio}x its compressed size");
        ChangedOutsideMeta(before).ShouldBe(["quarantine/orders/a.csv.gz", "quarantine/orders/a.csv.gz.error.json"]);
    }

    [Fact]
    public async Task Run_ValueLongerThanMaxValueBytes_RowRejectedNamingColumn()
    {
        Define(options: "options: { max_value_bytes: 1KB }");
        Land("a.csv", $"id,day,note\n1,2024-01-01,short\n2,2024-01-01,{new string('n', 5000)}\n3,2024-01-01,ok\n");

        var file = await RunOneAsync();

        (file.Status, file.RowsRead, file.RowsWritten, file.RowsRejected).ShouldBe((FileStatus.Succeeded, 3L, 2L, 1L));
        var reject = RejectLines().ShouldHaveSingleItem();
        reject.GetProperty("column").GetString().ShouldBe("note");
        reject.GetProperty("reason").GetString().ShouldBe("is longer than max_value_bytes (1,024 bytes)");
        reject.GetProperty("value").GetString().ShouldBe("(5,000 bytes)");
    }

    [Theory]
    [InlineData("unicode", "UTF-16 LE (BOM at offset 0)", "encoding: utf-16")]
    [InlineData("bigendian", "UTF-16 BE (BOM at offset 0)", "encoding: utf-16")]
    [InlineData("nobom", "UTF-16 LE without a BOM", "encoding: utf-16le")]
    public async Task Run_Utf16File_QuarantinedSayingWhichEncodingToDeclare(string kind, string description, string declare)
    {
        Define();
        var text = Rows(10);
        Land("a.csv", kind switch
        {
            "unicode" => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)],
            "bigendian" => [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(text)],
            _ => Encoding.Unicode.GetBytes(text),
        });
        var before = Snapshot();

        var file = await RunOneAsync();

        file.Status.ShouldBe(FileStatus.Quarantined);
        file.Error.ShouldNotBeNull().ShouldContain($"landing/a.csv is {description}");
        file.Error.ShouldContain($"Declare `{declare}` under format: for dataset 'orders'");
        file.Error.ShouldNotContain("missing required column");
        ChangedOutsideMeta(before).ShouldBe(["quarantine/orders/a.csv", "quarantine/orders/a.csv.error.json"]);
    }

    [Fact]
    public async Task Run_HeaderOnly_SucceedsWithWarning()
    {
        Define();
        Land("a.csv", "id,day,note\n");

        var file = await RunOneAsync();

        (file.Status, file.RowsRead).ShouldBe((FileStatus.Succeeded, 0L));
        file.Warnings.ShouldNotBeNull().ShouldHaveSingleItem().ShouldBe("landing/a.csv has a header and no data rows.");
    }

    [Fact]
    public async Task Run_HugeLineWithoutLineEnd_QuarantinedAsNotAHeader()
    {
        File.WriteAllText(_dir.Combine("pipeline.yaml"), """
            pipeline: hostile
            lake: ./lake
            datasets:
              - name: orders
                match: "landing/*.csv*"
                columns:
                  - { name: note, type: string }
            """);
        Land("a.csv", new string('z', 3 << 20));
        var before = Snapshot();

        var file = await RunOneAsync();

        file.Status.ShouldBe(FileStatus.Quarantined);
        file.Error.ShouldNotBeNull().ShouldContain("is 3,145,728 bytes long");
        file.Error.ShouldContain("not a header line");
        ChangedOutsideMeta(before).ShouldBe(["quarantine/orders/a.csv", "quarantine/orders/a.csv.error.json"]);
    }

    [Fact]
    public async Task Run_RowWithTwoBadColumns_RejectNamesBothAndKeepsTheRecord()
    {
        Define();
        Land("a.csv", "id,day,note\n1,2024-01-01,a\nnope,31/31/2024,\"x,y\"\n3,2024-01-01,c\n4,bad,d\n");

        var file = await RunOneAsync();

        (file.RowsRead, file.RowsWritten, file.RowsRejected).ShouldBe((4L, 2L, 2L));
        var rejects = RejectLines();
        var first = rejects[0];
        first.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("column").GetString() + "=" + p.GetProperty("value").GetString())
            .ShouldBe(["id=nope", "day=31/31/2024"]);
        first.GetProperty("record").GetString().ShouldBe("nope,31/31/2024,\"x,y\"");
        first.GetProperty("header").GetString().ShouldBe("id,day,note");
        rejects[1].GetProperty("record").GetString().ShouldBe("4,bad,d");
        rejects[1].TryGetProperty("header", out _).ShouldBeFalse("the header is given once per file");

        // The rejects rebuild a CSV the pipeline reads again.
        var rebuilt = first.GetProperty("header").GetString() + "\n" + string.Join("\n", rejects.Select(r => r.GetProperty("record").GetString())) + "\n";
        rebuilt.ShouldBe("id,day,note\nnope,31/31/2024,\"x,y\"\n4,bad,d\n");
    }

    public void Dispose() => _dir.Dispose();

    private void Define(string limits = "", string options = "") =>
        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml.Replace("LIMITS", limits, StringComparison.Ordinal) + "\n" + options + "\n");

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

    private async Task<FileResult> RunOneAsync() => (await RunAsync()).Files.ShouldHaveSingleItem();

    private static string Rows(int n)
    {
        var sb = new StringBuilder("id,day,note\n");
        for (var i = 1; i <= n; i++)
        {
            sb.Append(i).Append(",2024-01-01,note ").Append(i).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Every file of the lake (but _meta/ and the store's own .etl-tmp/) with a hash of its content.</summary>
    private Dictionary<string, string> Snapshot()
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(Lake))
        {
            return files;
        }

        foreach (var f in Directory.GetFiles(Lake, "*", SearchOption.AllDirectories))
        {
            var key = Path.GetRelativePath(Lake, f).Replace('\\', '/');
            if (!key.StartsWith("_meta/", StringComparison.Ordinal) && !key.StartsWith(".etl-tmp/", StringComparison.Ordinal))
            {
                files[key] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
            }
        }

        return files;
    }

    /// <summary>The keys outside _meta/ that were added, changed or removed since <paramref name="before"/>, sorted.</summary>
    private List<string> ChangedOutsideMeta(Dictionary<string, string> before)
    {
        var after = Snapshot();
        var changed = after.Where(a => !before.TryGetValue(a.Key, out var h) || h != a.Value).Select(a => a.Key)
            .Concat(before.Keys.Where(k => !after.ContainsKey(k)));
        return [.. changed.Order(StringComparer.Ordinal)];
    }

    private List<JsonElement> RejectLines() =>
        Directory.GetFiles(Path.Combine(Lake, "rejects", "orders"), "*.jsonl", SearchOption.AllDirectories)
            .SelectMany(File.ReadAllLines)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();

    private void Land(string key, string content) => Land(key, Encoding.UTF8.GetBytes(content));

    private void Land(string key, byte[] content)
    {
        var path = Path.Combine(Lake, "landing", key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    private static byte[] Gzip(string text, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, level))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        return ms.ToArray();
    }

    private static byte[] Zip(string name, string text, CompressionLevel level)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry(name, level).Open();
            s.Write(Encoding.UTF8.GetBytes(text));
        }

        return ms.ToArray();
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
