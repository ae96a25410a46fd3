using Etl.Cli.Commands;
using Etl.Core.Definition;
using Etl.Core.Generation;
using Etl.Core.Pipeline;
using Etl.Storage;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>`etl run` shows progress inside a long file, not only as files finish.</summary>
public sealed class RunProgressTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-progress");

    [Fact]
    public async Task OrchestratedRun_FileStillBeingRead_ReportsItsRowsSoFar()
    {
        File.Copy(RepoPaths.Get("samples", "sales-records", "pipeline.yaml"), _dir.Combine("pipeline.yaml"));
        var landing = _dir.Combine("lake", "landing", "sales");
        Directory.CreateDirectory(landing);
        await using (var csv = File.Create(Path.Combine(landing, "big.csv")))
        {
            await SalesRecordsGenerator.WriteAsync(csv, new SalesRecordsOptions(60_000, Seed: 5), Ct);
        }

        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var store = new GatedStore(new LocalObjectStore(definition.Lake), "landing/", pauseAfterBytes: 4 << 20);
        var reports = new List<RunProgress>();
        var progress = new Recorder(reports);

        var run = new OrchestratedRun(definition, store).RunAsync(new RunOptions(), progress, TextWriter.Null, Ct);
        await store.Paused.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Snapshot(reports).Any(r => r.FilesDone == 0 && r.RowsRead > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }

        var whilePaused = Snapshot(reports);
        store.Resume();
        var outcome = await run;

        var during = whilePaused.Where(r => r.FilesDone == 0 && r.RowsRead > 0).ToList();
        during.ShouldNotBeEmpty("no report counted the rows of the file being read while it was paused part-way");
        during.Max(r => r.RowsRead).ShouldBeLessThan(60_000);
        outcome.Summary.ShouldNotBeNull().RowsRead.ShouldBe(60_000);
        var rows = Snapshot(reports).Select(r => r.RowsRead).ToList();
        rows.ShouldBe(rows.Order().ToList(), "rows read never go back");
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

        private sealed class GateStream(Stream inner, GatedStore gate) : Stream
        {
            private long _read;

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => _read; set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                if (_read >= gate.PauseAfterBytes && !gate._resume.Task.IsCompleted)
                {
                    gate.Paused.Release();
                    await gate._resume.Task.WaitAsync(cancellationToken);
                }

                var n = await inner.ReadAsync(buffer, cancellationToken);
                _read += n;
                return n;
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                }

                base.Dispose(disposing);
            }

            public override async ValueTask DisposeAsync()
            {
                await inner.DisposeAsync();
                await base.DisposeAsync();
            }
        }
    }
}
