using System.Collections.Concurrent;
using Etl.Core.Runs;

namespace Etl.Functions.Tests;

/// <summary>
/// Activities over an in-memory landing list, for the orchestration's own behaviour (fan-out, retries, status):
/// Discover returns the landed files not yet committed, ProcessFile counts attempts and in-flight calls and runs
/// <see cref="Process"/>, Commit marks the succeeded files processed.
/// </summary>
internal sealed class FakeActivities : IPipelineActivities
{
    private readonly ConcurrentDictionary<string, byte> _committed = new(StringComparer.Ordinal);
    private readonly List<FileWorkItem> _landed;
    private int _inFlight;
    private int _maxInFlight;
    private int _discoverCalls;
    private int _commitCalls;

    public FakeActivities(int files) => _landed = [.. Enumerable.Range(0, files).Select(Item)];

    /// <summary>Decides a file's result from the file and its attempt number (1-based); by default it succeeds.</summary>
    public Func<FileWorkItem, int, Task<FileResult>> Process { get; set; } = (f, _) => Task.FromResult(Succeeded(f));

    public ConcurrentDictionary<string, int> Attempts { get; } = new(StringComparer.Ordinal);

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public int DiscoverCalls => Volatile.Read(ref _discoverCalls);

    public int CommitCalls => Volatile.Read(ref _commitCalls);

    public static FileWorkItem Item(int i) => new($"landing/sales/f{i:D3}.csv", 100 + i, $"etag-{i}", "sales", $"src{i:D3}", "new");

    public static FileResult Succeeded(FileWorkItem file, long rows = 10) =>
        new(file, FileStatus.Succeeded, rows, rows, 0, new Dictionary<string, long>(), [$"processed/sales/part-{file.SourceId}.parquet"], 1000, 1);

    public Task<FetchSourcesResult> FetchSourcesAsync(FetchSourcesRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(new FetchSourcesResult([], []));

    public Task<DiscoverResult> DiscoverAsync(DiscoverRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _discoverCalls);
        var files = _landed.Where(f => !_committed.ContainsKey(f.Key)).ToList();
        return Task.FromResult(new DiscoverResult("v1", files, _landed.Count - files.Count, []));
    }

    public async Task<FileResult> ProcessFileAsync(ProcessFileRequest request, CancellationToken cancellationToken = default)
    {
        var attempt = Attempts.AddOrUpdate(request.File.Key, 1, (_, n) => n + 1);
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while ((seen = Volatile.Read(ref _maxInFlight)) < now && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
        {
        }

        try
        {
            return await Process(request.File, attempt);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public Task<RunSummary> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _commitCalls);
        foreach (var r in request.Results.Where(r => r.Status == FileStatus.Succeeded))
        {
            _committed[r.File.Key] = 0;
        }

        return Task.FromResult(new RunSummary(
            request.Pipeline, request.RunId, request.PipelineVersion, request.StartedAt, request.StartedAt.AddSeconds(1), request.Results,
            request.Results.Count(r => r.Status == FileStatus.Succeeded), request.Results.Count(r => r.Status == FileStatus.Quarantined),
            request.Results.Count(r => r.Status == FileStatus.Failed), request.Results.Sum(r => r.RowsRead), request.Results.Sum(r => r.RowsWritten),
            request.Results.Sum(r => r.RowsRejected), 0));
    }
}
