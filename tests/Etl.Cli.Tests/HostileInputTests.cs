using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>
/// `etl run` on hostile files beside a lake that already holds good output: each exits 1 with its reason in the table,
/// and nothing but the file's own quarantine entry (and the run's _meta/ records) changes in the lake.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-hostile");

    private string Config => _dir.Combine("pipeline.yaml");

    private string Lake => _dir.Combine("lake");

    [Theory]
    [InlineData("truncated-gzip", "bad.csv.gz", "is truncated: its gzip data ends at byte")]
    [InlineData("zip-crc", "bad.csv.zip", "does not match the size and CRC-32 the zip records for it")]
    [InlineData("utf16", "bad.csv", "is UTF-16 LE (BOM at offset 0)")]
    [InlineData("reject-flood", "bad.csv.gz", "more than 100,000 rows rejected (max_rejects: 100000)")]
    [InlineData("no-line-end", "bad.csv", "not a header line")]
    public async Task Run_HostileFile_ExitsOneQuarantinedAndNothingElseChanges(string kind, string name, string reason)
    {
        (await Cli.InvokeAsync("init", _dir.Path, "--template", "sales-records")).Code.ShouldBe(0);
        (await Cli.InvokeAsync("run", "--config", Config)).Code.ShouldBe(0);
        var good = File.ReadAllText(Directory.GetFiles(Path.Combine(Lake, "landing", "sales"))[0]);
        File.WriteAllBytes(Path.Combine(Lake, "landing", "sales", name), Hostile(kind, good));
        var before = Snapshot();

        var (code, stdout, _) = await Cli.InvokeAsync("run", "--config", Config);

        code.ShouldBe(1, stdout);
        stdout.ShouldContain("0 succeeded, 1 quarantined, 0 failed");
        stdout.ShouldContain(reason);
        stdout.ShouldContain("written 0 + rejected 0 + filtered");
        var changed = Changed(before);
        changed.ShouldBe([$"landing/sales/{name}".Replace("landing/", "quarantine/sales_records/", StringComparison.Ordinal), $"quarantine/sales_records/sales/{name}.error.json"]);
    }

    public void Dispose() => _dir.Dispose();

    private static byte[] Hostile(string kind, string good)
    {
        switch (kind)
        {
            case "truncated-gzip":
                var gz = Gzip(good);
                return gz[..(gz.Length / 2)];
            case "zip-crc":
                using (var ms = new MemoryStream())
                {
                    using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
                    {
                        using var s = zip.CreateEntry("inner.csv", CompressionLevel.NoCompression).Open();
                        s.Write(Encoding.UTF8.GetBytes(good));
                    }

                    var bytes = ms.ToArray();
                    bytes[bytes.AsSpan().IndexOf("Rwanda"u8)] ^= 0x20;
                    return bytes;
                }

            case "utf16":
                return [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(good)];
            case "reject-flood":
                var sb = new StringBuilder(good[..(good.IndexOf('\n', StringComparison.Ordinal) + 1)]);
                for (var i = 0; i < 150_000; i++)
                {
                    sb.Append("x\n");
                }

                return Gzip(sb.ToString());
            default:
                return Encoding.UTF8.GetBytes(new string('z', 2 << 20));
        }
    }

    private static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        return ms.ToArray();
    }

    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(Lake, "*", SearchOption.AllDirectories)
            .Select(f => (Key: Path.GetRelativePath(Lake, f).Replace('\\', '/'), Path: f))
            .Where(f => !f.Key.StartsWith("_meta/", StringComparison.Ordinal) && !f.Key.StartsWith(".etl-tmp/", StringComparison.Ordinal) && !f.Key.StartsWith("landing/", StringComparison.Ordinal))
            .ToDictionary(f => f.Key, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f.Path))), StringComparer.Ordinal);

    private List<string> Changed(Dictionary<string, string> before)
    {
        var after = Snapshot();
        return [.. after.Where(a => !before.TryGetValue(a.Key, out var h) || h != a.Value).Select(a => a.Key)
            .Concat(before.Keys.Where(k => !after.ContainsKey(k))).Order(StringComparer.Ordinal)];
    }
}
