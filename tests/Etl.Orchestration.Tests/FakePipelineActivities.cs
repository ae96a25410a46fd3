using System.Collections.Concurrent;
using Etl.Core.Runs;

namespace Etl.Orchestration.Tests;

/// <summary>
/// Activities over an in-memory landing list: Discover returns landed files not yet committed, ProcessFile counts its
/// calls per key and can be made to block or fail, Commit marks succeeded files processed.
/// </summary>
internal sealed class FakePipelineActivities : IPipelineActivities
{
    private readonly ConcurrentDictionary<string, byte> _committed = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<FileWorkItem> _landed = [];

    public FakePipelineActivities(int files = 0)
    {
        for (var i = 0; i < files; i++)
        {
            Land(Files.Item(i));
        }
    }

    public ConcurrentDictionary<string, int> ProcessCalls { get; } = new(StringComparer.Ordinal);

    public int DiscoverCalls;

    public int FetchSourcesCalls;

    /// <summary>The activities called, in order (ProcessFile by its key).</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>What FetchSources does and returns (its attempt number, 1-based); by default it lands nothing and reports no source.</summary>
    public Func<FetchSourcesRequest, int, Task<FetchSourcesResult>> Fetch { get; set; } = (_, _) => Task.FromResult(new FetchSourcesResult([], []));

    public int CommitCalls;

    /// <summary>Decides a file's result; by default it succeeds.</summary>
    public Func<FileWorkItem, int, CancellationToken, Task<FileResult>> Process { get; set; } = (f, _, _) => Task.FromResult(Files.Succeeded(f));

    public void Land(FileWorkItem file)
    {
        lock (_gate)
        {
            _landed.Add(file);
        }
    }

    public Task<FetchSourcesResult> FetchSourcesAsync(FetchSourcesRequest request, CancellationToken cancellationToken = default)
    {
        var attempt = Interlocked.Increment(ref FetchSourcesCalls);
        Calls.Enqueue("FetchSources");
        return Fetch(request, attempt);
    }

    public Task<DiscoverResult> DiscoverAsync(DiscoverRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref DiscoverCalls);
        Calls.Enqueue("Discover");
        lock (_gate)
        {
            var files = _landed.Where(f => request.ReprocessAll || !_committed.ContainsKey(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
            return Task.FromResult(new DiscoverResult("v1", files, _landed.Count - files.Count, []));
        }
    }

    public async Task<FileResult> ProcessFileAsync(ProcessFileRequest request, CancellationToken cancellationToken = default)
    {
        var attempt = ProcessCalls.AddOrUpdate(request.File.Key, 1, (_, n) => n + 1);
        Calls.Enqueue("ProcessFile");
        return await Process(request.File, attempt, cancellationToken);
    }

    public Task<RunSummary> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref CommitCalls);
        Calls.Enqueue("Commit");
        foreach (var r in request.Results.Where(r => r.Status == FileStatus.Succeeded))
        {
            _committed[r.File.Key] = 0;
        }

        return Task.FromResult(Files.Summary(request, request.StartedAt.AddSeconds(1)));
    }
}
