using System.Diagnostics;
using Etl.Core.Generation;
using Etl.Core.Pipeline;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>
/// A lake on a tmpfs too small for the run's output (mounted by the test; it needs root, as CI has): the run ends with a
/// clear message naming the lake and the fix, nothing of a failed file is in processed/, and once there is room again
/// the retry converges to the output of a run that had room from the start.
/// </summary>
[Collection(nameof(ChildProcessCollection))]
public sealed class DiskFullTests : IDisposable
{
    private const string Yaml = """
        pipeline: disk-full
        lake: ./lake
        options: { max_parallel_files: 1 }
        datasets:
          - name: sales
            match: "landing/sales/*.csv"
            columns:
              - { name: region, type: string, aliases: ["Region"] }
              - { name: country, type: string, required: true, aliases: ["Country"] }
              - { name: order_id, type: int64, required: true, aliases: ["Order ID"] }
              - { name: total_revenue, type: "decimal(18,2)", aliases: ["Total Revenue"] }
            extra_columns: drop
            partition_by: [country]
        """;

    private readonly TempDirectory _dir = new("cli-disk-full");
    private string? _mount;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_LakeRunsOutOfSpace_ClearErrorNothingHalfPublished_RetryConverges()
    {
        var clean = _dir.Combine("clean");
        await MakeLakeAsync(clean);
        (await Cli.InvokeAsync("run", "--config", Path.Combine(clean, "pipeline.yaml"))).Code.ShouldBe(0);
        var reference = Snapshot(clean);

        // Room for the landed files and a little more, not for the output.
        var full = _dir.Combine("full");
        Directory.CreateDirectory(full);
        if (!Mount(full, "size=1400k"))
        {
            Assert.Skip("Mounting a tmpfs needs root; CI runs as root.");
        }

        await MakeLakeAsync(full);
        var (code, stdout, stderr) = await Cli.InvokeAsync("run", "--config", Path.Combine(full, "pipeline.yaml"));
        var said = stdout + stderr;
        code.ShouldBeOneOf(1, 6);
        said.ShouldContain("No space left on the device holding the lake");
        said.ShouldContain("Free space on that file system");
        said.ShouldNotContain("   at ");

        // Nothing in processed/ that the manifest does not name as succeeded.
        var lake = new LocalObjectStore(Path.Combine(full, "lake"));
        var manifest = await Manifest.LoadAsync(lake, Ct);
        var committed = manifest.Latest.Values.Where(r => r.Status == Etl.Core.Runs.FileStatus.Succeeded).SelectMany(r => r.Outputs).ToHashSet();
        var processed = Path.Combine(full, "lake", "processed");
        var present = Directory.Exists(processed) ? Directory.GetFiles(processed, "*", SearchOption.AllDirectories).Select(p => "processed/" + Path.GetRelativePath(processed, p).Replace('\\', '/')).ToList() : [];
        present.ShouldAllBe(k => committed.Contains(k));
        manifest.Latest.Values.ShouldContain(r => r.Status == Etl.Core.Runs.FileStatus.Failed);

        // Room again: a plain run says that failed files wait for --retry-failed; the retry converges.
        Run("mount", "-o", "remount,size=64m", full).ShouldBe(0);
        var plain = await Cli.InvokeAsync("run", "--config", Path.Combine(full, "pipeline.yaml"));
        plain.Code.ShouldBe(1);
        plain.Stderr.ShouldContain("--retry-failed");
        (await Cli.InvokeAsync("run", "--config", Path.Combine(full, "pipeline.yaml"), "--retry-failed")).Code.ShouldBe(0);
        Snapshot(full).ShouldBe(reference);
    }

    public void Dispose()
    {
        if (_mount is not null)
        {
            Run("umount", "-l", _mount);
        }

        _dir.Dispose();
    }

    private bool Mount(string path, string options)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", path) != 0)
        {
            return false;
        }

        _mount = path;
        return true;
    }

    private static int Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    private static async Task MakeLakeAsync(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "lake", "landing", "sales"));
        await File.WriteAllTextAsync(Path.Combine(root, "pipeline.yaml"), Yaml, Ct);
        for (var i = 0; i < 4; i++)
        {
            await using var file = File.Create(Path.Combine(root, "lake", "landing", "sales", $"part-{i}.csv"));
            await SalesRecordsGenerator.WriteAsync(file, new SalesRecordsOptions(2_500, Seed: i + 1), Ct);
        }
    }

    private static List<string> Snapshot(string root)
    {
        var processed = Path.Combine(root, "lake", "processed");
        return [.. Directory.GetFiles(processed, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => Path.GetRelativePath(processed, p) + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))))];
    }
}
