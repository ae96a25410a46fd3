using System.Diagnostics;
using Etl.Core.Generation;
using Etl.Core.Pipeline;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>
/// One writer per lake, with real child processes of `etl run` on one local lake: concurrent runs, a lease deleted
/// mid-run, and kill -9 at points spread over discovery, processing and commit. After each, every landed file is in the
/// manifest exactly once, processed/ is byte-identical to an uninterrupted run of the same files, and nothing is left in
/// the lake's temp folder.
/// </summary>
[Collection(nameof(ChildProcessCollection))]
public sealed class OneWriterPerLakeTests : IDisposable
{
    private const int Files = 10;
    private const string Yaml = """
        pipeline: one-writer
        lake: ./lake
        options: { max_parallel_files: 1 }
        datasets:
          - name: sales
            match: "landing/sales/*.csv"
            columns:
              - { name: region, type: string, aliases: ["Region"] }
              - { name: country, type: string, required: true, aliases: ["Country"] }
              - { name: order_date, type: date, format: "M/d/yyyy", aliases: ["Order Date"] }
              - { name: order_id, type: int64, required: true, aliases: ["Order ID"] }
              - { name: units_sold, type: int32, aliases: ["Units Sold"] }
              - { name: total_revenue, type: "decimal(18,2)", aliases: ["Total Revenue"] }
            extra_columns: drop
            partition_by: [region]
        """;

    private readonly TempDirectory _dir = new("cli-one-writer");
    private readonly List<Process> _processes = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task ConcurrentRuns_OneLake_EachFileProcessedOnceAndOutputAsReference(int runs)
    {
        var reference = await ReferenceAsync();
        var root = _dir.Combine($"concurrent-{runs}");
        await MakeLakeAsync(root);

        var children = Enumerable.Range(0, runs).Select(_ => StartRun(root)).ToList();
        var results = await Task.WhenAll(children.Select(WaitAsync));

        foreach (var (code, output) in results)
        {
            code.ShouldBe(0, output);
        }

        results.Count(r => r.Output.Contains($"{Files} succeeded", StringComparison.Ordinal)).ShouldBe(1, "exactly one run processes the files; the others find nothing new");
        await AssertConvergedAsync(root, reference);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LeaseDeletedOrDamagedMidRun_SecondRunFencesTheFirst_NoFileTwiceNoRowLost(bool damaged)
    {
        var reference = await ReferenceAsync();
        var root = _dir.Combine(damaged ? "lease-damaged" : "lease-deleted");
        await MakeLakeAsync(root);

        var first = StartRun(root);
        await WaitForAsync(() => Directory.Exists(Path.Combine(root, "lake", "processed")) && Directory.EnumerateFiles(Path.Combine(root, "lake", "processed"), "*.parquet", SearchOption.AllDirectories).Any(), "the first run's first output");
        var lease = Path.Combine(root, "lake", "_meta", "locks", "orchestration.lease");
        if (damaged)
        {
            File.WriteAllText(lease, "\0\0garbage written over the lease\n");
        }
        else
        {
            File.Delete(lease);
        }

        var second = StartRun(root);

        var (firstCode, firstOutput) = await WaitAsync(first);
        var (secondCode, secondOutput) = await WaitAsync(second);

        if (damaged)
        {
            // A damaged lease is never taken as free: whichever run does the work, the other does not write.
            TestContext.Current.TestOutputHelper?.WriteLine($"first: {firstCode}\n{firstOutput}\nsecond: {secondCode}\n{secondOutput}");
            new[] { firstCode, secondCode }.ShouldContain(0);
            firstCode.ShouldBeOneOf(0, 4);
            secondCode.ShouldBeOneOf(0, 4);
        }
        else
        {
            firstCode.ShouldBe(4, firstOutput);
            firstOutput.ShouldContain("lost the lake");
            firstOutput.ShouldNotContain("Nothing of it was committed");
            secondCode.ShouldBe(0, secondOutput);
            secondOutput.ShouldContain("Resuming run");
            secondOutput.ShouldContain("stopped or lost the lake");
        }

        await AssertConvergedAsync(root, reference);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(900)]
    [InlineData(1500)]
    [InlineData(2200)]
    [InlineData(3000)]
    [InlineData(4000)]
    public async Task RunKilled_NextRunConverges_NoOrphans(int killAfterMs)
    {
        var reference = await ReferenceAsync();
        var root = _dir.Combine($"killed-{killAfterMs}");
        await MakeLakeAsync(root);

        var child = StartRun(root);
        await Task.Delay(killAfterMs, Ct);
        if (!child.HasExited)
        {
            child.Kill(entireProcessTree: true);
        }

        await child.WaitForExitAsync(Ct);

        // The next runs resume the killed one (its lease is taken at once: its holder is dead), then find nothing new.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (code, stdout, stderr) = await Cli.InvokeAsync("run", "--config", Path.Combine(root, "pipeline.yaml"));
            code.ShouldBe(0, stdout + stderr);
            if (stdout.Contains("Nothing new", StringComparison.Ordinal))
            {
                break;
            }
        }

        await AssertConvergedAsync(root, reference);
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }

            p.Dispose();
        }

        _dir.Dispose();
    }

    private async Task<List<string>> ReferenceAsync()
    {
        var root = _dir.Combine("reference-" + Guid.NewGuid().ToString("N")[..6]);
        await MakeLakeAsync(root);
        var (code, stdout, stderr) = await Cli.InvokeAsync("run", "--config", Path.Combine(root, "pipeline.yaml"));
        code.ShouldBe(0, stdout + stderr);
        return Snapshot(root);
    }

    private static async Task AssertConvergedAsync(string root, List<string> reference)
    {
        var manifest = await Manifest.LoadAsync(new LocalObjectStore(Path.Combine(root, "lake")), Ct);
        manifest.Latest.Count.ShouldBe(Files);
        manifest.Latest.Values.ShouldAllBe(r => r.Status == Etl.Core.Runs.FileStatus.Succeeded);
        var records = Directory.GetFiles(Path.Combine(root, "lake", "_meta", "manifest"), "*.jsonl").SelectMany(File.ReadAllLines).Where(l => l.Length > 0).ToList();
        records.Count.ShouldBe(Files, "one manifest record per file version, whichever run wrote it");
        Snapshot(root).ShouldBe(reference);
        var temp = Path.Combine(root, "lake", ".etl-tmp");
        (Directory.Exists(temp) ? Directory.GetFiles(temp) : []).ShouldBeEmpty("no leftover temp files in the lake");
    }

    private static async Task MakeLakeAsync(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "lake", "landing", "sales"));
        await File.WriteAllTextAsync(Path.Combine(root, "pipeline.yaml"), Yaml, Ct);
        for (var i = 0; i < Files; i++)
        {
            await using var file = File.Create(Path.Combine(root, "lake", "landing", "sales", $"part-{i:D3}.csv"));
            await SalesRecordsGenerator.WriteAsync(file, new SalesRecordsOptions(30_000, Seed: i + 1), Ct);
        }
    }

    private Process StartRun(string root)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { typeof(Program).Assembly.Location, "run", "--config", Path.Combine(root, "pipeline.yaml") })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi)!;
        _processes.Add(process);
        return process;
    }

    private static async Task<(int Code, string Output)> WaitAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromMinutes(3), Ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task WaitForAsync(Func<bool> probe, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!probe())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up waiting for {what}.");
            }

            await Task.Delay(20, Ct);
        }
    }

    private static List<string> Snapshot(string root)
    {
        var processed = Path.Combine(root, "lake", "processed");
        return [.. Directory.GetFiles(processed, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => Path.GetRelativePath(processed, p) + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))))];
    }
}

/// <summary>Tests that run child processes of the CLI run one class at a time, so their timing is not two processes' worth of CPU apart.</summary>
[CollectionDefinition(nameof(ChildProcessCollection), DisableParallelization = true)]
public sealed class ChildProcessCollection;
