using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Etl.Core.Generation;
using Etl.Core.Pipeline;
using Etl.Orchestration.Local;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>
/// `etl serve` as a child process, killed in the middle of a run and started again: the run resumes and completes, the
/// files whose results were recorded before the kill are not processed again, every landed file is in the manifest
/// exactly once, and the output is byte-identical to an uninterrupted run of the same files.
/// </summary>
public sealed class ServeCrashResumeTests : IDisposable
{
    private const int Files = 24;
    private const string Yaml = """
        pipeline: crash-test
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

    private readonly TempDirectory _dir = new("cli-crash");
    private readonly List<Process> _processes = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_KilledMidRun_RestartResumesWithoutRedoingRecordedFiles()
    {
        var crashed = _dir.Combine("crashed");
        var clean = _dir.Combine("clean");
        await MakeLakeAsync(crashed);
        await MakeLakeAsync(clean);
        var store = new LocalObjectStore(Path.Combine(crashed, "lake"));
        var instances = new InstanceStore(store);

        // First host: start a run, let some files finish, kill it without warning.
        var (first, url) = await StartServeAsync(crashed);
        using var http = new HttpClient();
        using var start = await http.PostAsync($"{url}/api/start", null, Ct);
        start.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = JsonDocument.Parse(await start.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
        var recorded = await WaitAsync(async () =>
        {
            var done = await RecordedFilesAsync(instances, id);
            return done.Count >= 3 ? done : null;
        }, "three recorded file results");
        first.Kill(entireProcessTree: true);
        await first.WaitForExitAsync(Ct);

        recorded = await RecordedFilesAsync(instances, id);
        recorded.Count.ShouldBeLessThan(Files, "the kill came before the end of the run");
        var before = recorded.SelectMany(key => OutputsOf(crashed, key)).ToDictionary(p => p, File.GetLastWriteTimeUtc);
        before.ShouldNotBeEmpty();

        // Second host on the same lake: it takes over the lake once the dead host's lease expires and resumes the run.
        var (_, url2) = await StartServeAsync(crashed);
        var status = await WaitAsync(async () =>
        {
            using var response = await http.GetAsync($"{url2}/runtime/webhooks/durabletask/instances/{id}", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            return response.StatusCode == HttpStatusCode.OK ? body : null;
        }, "the resumed run to complete");

        TestContext.Current.TestOutputHelper?.WriteLine($"recorded before the kill: {recorded.Count} of {Files} files; status after the restart:\n{status}");
        using var doc = JsonDocument.Parse(status);
        doc.RootElement.GetProperty("runtimeStatus").GetString().ShouldBe("Completed");
        doc.RootElement.GetProperty("output").GetProperty("filesSucceeded").GetInt32().ShouldBe(Files);
        foreach (var (path, written) in before)
        {
            File.GetLastWriteTimeUtc(path).ShouldBe(written, $"{path} was recorded before the kill and must not be written again");
        }

        var history = await instances.GetHistoryAsync(id, Ct);
        history.Where(e => e.Name == "ProcessFile" && e.Succeeded).Select(e => KeyOf(e)).Distinct().Count().ShouldBe(Files);
        var manifest = await Manifest.LoadAsync(store, Ct);
        manifest.Latest.Count.ShouldBe(Files);
        Directory.GetFiles(Path.Combine(crashed, "lake", "_meta", "manifest")).Length.ShouldBe(1, "one commit, of every file exactly once");
        File.ReadAllLines(Directory.GetFiles(Path.Combine(crashed, "lake", "_meta", "manifest")).Single()).Length.ShouldBe(Files);

        // The killed host's half-written files are gone: the host that took the lake swept them.
        var temp = Path.Combine(crashed, "lake", ".etl-tmp");
        (Directory.Exists(temp) ? Directory.GetFiles(temp) : []).ShouldBeEmpty("no leftover temp files in the lake");

        // The same files run without interruption give byte-identical output.
        (await Cli.InvokeAsync("run", "--config", Path.Combine(clean, "pipeline.yaml"))).Code.ShouldBe(0);
        Snapshot(crashed).ShouldBe(Snapshot(clean));
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

    private static async Task MakeLakeAsync(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "lake", "landing", "sales"));
        await File.WriteAllTextAsync(Path.Combine(root, "pipeline.yaml"), Yaml, Ct);
        for (var i = 0; i < Files; i++)
        {
            await using var file = File.Create(Path.Combine(root, "lake", "landing", "sales", $"part-{i:D3}.csv"));
            await SalesRecordsGenerator.WriteAsync(file, new SalesRecordsOptions(20_000, Seed: i + 1), Ct);
        }
    }

    private async Task<(Process Process, string Url)> StartServeAsync(string root)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { typeof(Program).Assembly.Location, "serve", "--config", Path.Combine(root, "pipeline.yaml"), "--port", "0", "--schedule", "", "--poll-seconds", "0" })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi)!;
        _processes.Add(process);
        var url = new TaskCompletionSource<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.Contains("listening on ", StringComparison.Ordinal))
            {
                url.TrySetResult(line[(line.IndexOf("listening on ", StringComparison.Ordinal) + 13)..].Split(". ")[0]);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, await url.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct));
    }

    private static async Task<List<string>> RecordedFilesAsync(InstanceStore instances, string id) =>
        [.. (await instances.GetHistoryAsync(id, Ct)).Where(e => e.Name == "ProcessFile" && e.Succeeded).Select(KeyOf).Distinct()];

    private static string KeyOf(HistoryEvent e) => e.Result!.Value.GetProperty("file").GetProperty("key").GetString()!;

    private static IEnumerable<string> OutputsOf(string root, string key)
    {
        var sourceId = SourceId.For(key);
        return Directory.GetFiles(Path.Combine(root, "lake", "processed"), $"part-{sourceId}.parquet", SearchOption.AllDirectories);
    }

    private static List<string> Snapshot(string root)
    {
        var processed = Path.Combine(root, "lake", "processed");
        return [.. Directory.GetFiles(processed, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => Path.GetRelativePath(processed, p) + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))))];
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(100, Ct);
        }

        throw new TimeoutException($"Gave up waiting for {what}.");
    }
}
