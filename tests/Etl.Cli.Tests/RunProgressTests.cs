using Etl.Cli.Commands;
using Etl.Core.Definition;
using Etl.Core.Generation;
using Etl.Core.Pipeline;
using Etl.Orchestration;
using Etl.Storage;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>`etl run` shows progress inside a long file, not only as files finish.</summary>
public sealed class RunProgressTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-progress");

    [Fact]
    public async Task OrchestratedRun_ThirdFileOfABatchStillBeingRead_ReportsFinishedFilesAndItsRowsSoFar()
    {
        File.Copy(RepoPaths.Get("samples", "sales-records", "pipeline.yaml"), _dir.Combine("pipeline.yaml"));
        var landing = _dir.Combine("lake", "landing", "sales");
        Directory.CreateDirectory(landing);
        foreach (var (name, rows) in new[] { ("a.csv", 5_000), ("b.csv", 5_000), ("c.csv", 60_000) })
        {
            await using var csv = File.Create(Path.Combine(landing, name));
            await SalesRecordsGenerator.WriteAsync(csv, new SalesRecordsOptions(rows, Seed: rows + name[0]), Ct);
        }

        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var store = new GatedStore(new LocalObjectStore(definition.Lake), "landing/sales/c.csv", pauseAfterBytes: 4 << 20);
        var reports = new List<RunProgress>();
        var progress = new Recorder(reports);

        // The three files are one batch of the orchestrator, whose status moves only when the whole batch is done.
        var run = new OrchestratedRun(definition, store).RunAsync(new RunOptions(), progress, TextWriter.Null, Ct);
        await store.Paused.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Snapshot(reports).Any(Between) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }

        var whilePaused = Snapshot(reports);
        store.Resume();
        var outcome = await run;

        whilePaused.Any(Between).ShouldBeTrue(
            "no report showed a and b done and c's rows so far while c was paused part-way: "
            + string.Join("; ", whilePaused.TakeLast(5).Select(r => $"{r.FilesDone}/{r.FilesTotal} {r.RowsRead}")));
        outcome.Summary.ShouldNotBeNull().RowsRead.ShouldBe(70_000);
        var all = Snapshot(reports);
        all.Select(r => r.RowsRead).ShouldBe(all.Select(r => r.RowsRead).Order().ToList(), "rows read never go back");
        all.Select(r => r.FilesDone).ShouldBe(all.Select(r => r.FilesDone).Order().ToList(), "files done never go back");

        static bool Between(RunProgress r) => r.FilesTotal == 3 && r.FilesDone == 2 && r.RowsRead > 10_000 && r.RowsRead < 70_000;
    }

    [Fact]
    public void Combine_FreshRun_FillsInBetweenBatchStatusesAndNeverGoesBack()
    {
        var none = new RunProgress(0, 0, 0, 0, 0, null);
        var status = new RunProgressStatus("processing", 3, 0, 0, 0, 0, 0, 1);

        var between = OrchestratedRun.Combine(none, status, new LiveProgress(2, 1, 2_000_000, 500_000), freshRun: true);
        var caughtUp = OrchestratedRun.Combine(between, status with { FilesDone = 3, FilesFailed = 1, RowsRead = 2_900_000 }, new LiveProgress(3, 1, 2_900_000, 0), freshRun: true);
        var later = OrchestratedRun.Combine(caughtUp, status with { FilesDone = 3, FilesFailed = 1, RowsRead = 2_900_000 }, new LiveProgress(3, 1, 2_900_000, 0), freshRun: true);

        (between.FilesDone, between.FilesFailed, between.RowsRead).ShouldBe((2, 1, 2_500_000L));
        (caughtUp.FilesDone, caughtUp.FilesFailed, caughtUp.RowsRead).ShouldBe((3, 1, 2_900_000L));
        later.ShouldBe(caughtUp);
    }

    [Fact]
    public void Combine_ResumedRun_AddsOnlyRowsInFlightToWhatTheStatusHolds()
    {
        var none = new RunProgress(0, 0, 0, 0, 0, null);
        var status = new RunProgressStatus("processing", 10, 4, 0, 4_000_000, 4_000_000, 1, 3);

        var shown = OrchestratedRun.Combine(none, status, new LiveProgress(1, 0, 1_000_000, 200_000), freshRun: false);

        (shown.FilesTotal, shown.FilesDone, shown.RowsRead).ShouldBe((10, 4, 4_200_000L));
    }

    [Fact]
    public void LineProgress_LongFile_PrintsRowsEveryIntervalAndEveryFileDone()
    {
        var time = new ManualTime();
        var text = new StringWriter();
        var lines = new RunCommand.LineProgress(text, time);

        lines.Report(new RunProgress(2, 0, 0, 0, 0, null));
        time.Advance(TimeSpan.FromSeconds(3));
        lines.Report(new RunProgress(2, 0, 0, 8_192, 0, null)); // too soon: no line
        time.Advance(RunCommand.LineProgress.Interval);
        lines.Report(new RunProgress(2, 0, 0, 500_000, 0, null));
        time.Advance(RunCommand.LineProgress.Interval);
        lines.Report(new RunProgress(2, 0, 0, 500_000, 0, null)); // nothing moved: no line
        lines.Report(new RunProgress(2, 1, 0, 600_000, 0, null)); // a file done: a line at once

        text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(
        [
            "[0/2] files done (0 not ok), rows read so far: 0",
            "[0/2] files done (0 not ok), rows read so far: 500,000",
            "[1/2] files done (0 not ok), rows read so far: 600,000",
        ]);
    }

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static List<RunProgress> Snapshot(List<RunProgress> reports)
    {
        lock (reports)
        {
            return [.. reports];
        }
    }

    private sealed class Recorder(List<RunProgress> reports) : IProgress<RunProgress>
    {
        public void Report(RunProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    /// <summary>
    /// A store whose reads under <c>prefix</c> stop after <c>pauseAfterBytes</c> until <see cref="Resume"/>: a file
    /// caught part-way through, deterministically. Everything else passes straight through.
    /// </summary>
    private sealed class GatedStore(IObjectStore inner, string prefix, long pauseAfterBytes) : IObjectStore
    {
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SemaphoreSlim Paused { get; } = new(0);

        public long PauseAfterBytes => pauseAfterBytes;

        public string Description => inner.Description;

        public void Resume() => _resume.TrySetResult();

        public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
        {
            var stream = await inner.OpenReadAsync(key, range, cancellationToken);
            return key.StartsWith(prefix, StringComparison.Ordinal) ? new GateStream(stream, this) : stream;
        }

        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

        public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => inner.GetInfoAsync(key, cancellationToken);

        public Task<ObjectWriteStream> OpenWriteAsync(string key, WriteCondition condition = default, CancellationToken cancellationToken = default) => inner.OpenWriteAsync(key, condition, cancellationToken);

        public Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition = default, CancellationToken cancellationToken = default) => inner.PutAsync(key, content, condition, cancellationToken);

        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken = default) => inner.CopyAsync(sourceKey, destinationKey, cancellationToken);

        public Task<IObjectLease?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken = default) => inner.TryAcquireLeaseAsync(key, duration, cancellationToken);

        private sealed class GateStream(Stream inner, GatedStore gate) : ReadOnlyWrapperStream(inner)
        {
            private long _read;

            public override int Read(Span<byte> buffer) => throw new NotSupportedException("the pipeline reads asynchronously");

            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                if (_read >= gate.PauseAfterBytes && !gate._resume.Task.IsCompleted)
                {
                    gate.Paused.Release();
                    await gate._resume.Task.WaitAsync(cancellationToken);
                }

                var n = await Inner.ReadAsync(buffer, cancellationToken);
                _read += n;
                return n;
            }
        }
    }
}
