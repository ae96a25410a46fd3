using System.Text.Json;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>`etl run` on a copy of the shipped partner-sales sample: exit codes, summary, JSON, second run.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-run");

    public RunCommandTests() => CopyDirectory(RepoPaths.Get("samples", "partner-sales"), _dir.Path);

    [Fact]
    public async Task Run_Sample_ExitsOneForTheQuarantinedFileAndPrintsSummary()
    {
        var (code, stdout, _) = await InvokeAsync("run", "--config", _dir.Combine("pipeline.yaml"));

        code.ShouldBe(1);
        stdout.ShouldContain("4 succeeded, 1 quarantined, 0 failed");
        stdout.ShouldContain("filtered 2");
        stdout.ShouldContain("missing required column(s) order_date");
    }

    [Fact]
    public async Task Run_Json_PrintsSummaryAndSecondRunDoesNothing()
    {
        var (_, stdout, _) = await InvokeAsync("run", "--config", _dir.Combine("pipeline.yaml"), "--json");
        using var doc = JsonDocument.Parse(stdout);
        doc.RootElement.GetProperty("rowsRead").GetInt64().ShouldBe(22);
        doc.RootElement.GetProperty("rowsWritten").GetInt64().ShouldBe(18);
        doc.RootElement.GetProperty("rowsRejected").GetInt64().ShouldBe(2);

        var (code, again, _) = await InvokeAsync("run", "--config", _dir.Combine("pipeline.yaml"));

        code.ShouldBe(0);
        again.ShouldContain("Nothing new");
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({DuckDb.Literal(_dir.Combine("lake", "processed", "**", "*.parquet"))})")).ShouldBe("18");
    }

    [Fact]
    public async Task Run_BadDefinition_ExitsTwoNamingFileAndLine()
    {
        File.WriteAllText(_dir.Combine("bad.yaml"), "pipeline: x\ndatasets:\n  - name: d\n    match: \"landing/*.csv\"\n    columns:\n      - { name: a, type: money }\n");

        var (code, _, stderr) = await InvokeAsync("run", "--config", _dir.Combine("bad.yaml"));

        code.ShouldBe(2);
        stderr.ShouldContain("bad.yaml:6:");
        stderr.ShouldContain("unknown type 'money'");
        Directory.Exists(_dir.Combine("lake", "processed")).ShouldBeFalse();
    }

    [Fact]
    public async Task Run_DryRun_ListsFilesAndWritesNothing()
    {
        var (code, stdout, _) = await InvokeAsync("run", "--config", _dir.Combine("pipeline.yaml"), "--dry-run");

        code.ShouldBe(0);
        stdout.ShouldContain("2 file(s) would be processed");
        stdout.ShouldContain("and 3 more file(s) in later rounds");
        Directory.Exists(_dir.Combine("lake", "processed")).ShouldBeFalse();
    }

    public void Dispose() => _dir.Dispose();

    private static Task<(int Code, string Stdout, string Stderr)> InvokeAsync(params string[] args) => Cli.InvokeAsync(args);

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(from, file);
            var segments = rel.Split(Path.DirectorySeparatorChar);
            if (segments.Length > 1 && segments[0] == "lake" && segments[1] is not ("landing" or "reference"))
            {
                continue; // outputs of a local run of the sample
            }

            var target = Path.Combine(to, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
