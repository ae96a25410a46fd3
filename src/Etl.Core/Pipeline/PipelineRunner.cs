using Etl.Core.Definition;
using Etl.Core.Runs;
using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>Options of one in-process run.</summary>
public sealed record RunOptions(bool RetryFailed = false, bool ReprocessAll = false, bool DryRun = false, int? MaxParallelFiles = null);

/// <summary>
/// Runs a pipeline in-process to completion: Discover, then ProcessFile for each file with bounded parallelism, then
/// Commit. Holds the lake's run lease so two runs of one pipeline never overlap.
/// </summary>
public sealed class PipelineRunner(PipelineDefinition definition, IObjectStore store)
{
    /// <summary>Runs once. Returns the summary (for a dry run: the files that would be processed, with status Pending as Failed=0).</summary>
    public async Task<(DiscoverResult Discovered, RunSummary Summary)> RunAsync(RunOptions options, IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var lease = await store.TryAcquireLeaseAsync($"_meta/leases/{definition.Name}.lease", TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false)
            ?? throw new EtlException($"Another run of pipeline '{definition.Name}' holds the lake's run lease ({store.Description}/_meta/leases/{definition.Name}.lease). Wait for it to finish; a crashed run's lease expires after 10 minutes.");
        await using (lease.ConfigureAwait(false))
        {
            var started = DateTimeOffset.UtcNow;
            var runId = RunIds.Create(started, Guid.NewGuid().ToString("N")[..6]);
            var activities = new PipelineActivities(definition, store);
            using var renew = new Timer(_ => _ = lease.RenewAsync(CancellationToken.None), null, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3));
            DiscoverResult? first = null;
            var allFiles = new List<FileWorkItem>();
            var allResults = new List<FileResult>();
            RunSummary? summary = null;
            var progressState = new ProgressState();

            // Rounds: files sharing a late-rows key run one per round (see DiscoverResult.Deferred); usually one round.
            for (var round = 1; ; round++)
            {
                var roundId = DiscoverRequest.RoundId(runId, round);
                var discovered = await activities.DiscoverAsync(new DiscoverRequest(definition.Name, roundId, options.RetryFailed, options.ReprocessAll), cancellationToken).ConfigureAwait(false);
                first ??= discovered;
                allFiles.AddRange(discovered.Files);
                if (options.DryRun)
                {
                    return (discovered, new RunSummary(definition.Name, runId, discovered.PipelineVersion, started, started, [], 0, 0, 0, 0, 0, 0, 0));
                }

                var results = await ProcessAsync(activities, roundId, discovered, options, progressState, progress, cancellationToken).ConfigureAwait(false);
                allResults.AddRange(results);
                summary = await activities.CommitAsync(new CommitRequest(definition.Name, roundId, discovered.PipelineVersion, started, results), cancellationToken).ConfigureAwait(false);
                if (discovered.Deferred == 0 || discovered.Files.Count == 0)
                {
                    break;
                }
            }

            var combined = summary! with
            {
                RunId = runId,
                Files = allResults,
                FilesSucceeded = allResults.Count(r => r.Status == FileStatus.Succeeded),
                FilesQuarantined = allResults.Count(r => r.Status == FileStatus.Quarantined),
                FilesFailed = allResults.Count(r => r.Status == FileStatus.Failed),
                RowsRead = allResults.Sum(r => r.RowsRead),
                RowsWritten = allResults.Sum(r => r.RowsWritten),
                RowsRejected = allResults.Sum(r => r.RowsRejected),
                RowsFiltered = allResults.Sum(r => r.RowsFiltered.Values.Sum()),
            };
            return (first! with { Files = allFiles, Deferred = 0 }, combined);
        }
    }

    private async Task<FileResult[]> ProcessAsync(PipelineActivities activities, string runId, DiscoverResult discovered, RunOptions options, ProgressState state, IProgress<RunProgress>? progress, CancellationToken cancellationToken)
    {
        var results = new FileResult[discovered.Files.Count];
        Interlocked.Add(ref state.Total, results.Length);
        progress?.Report(new RunProgress(Volatile.Read(ref state.Total), Volatile.Read(ref state.Done), Volatile.Read(ref state.Failed), Volatile.Read(ref state.Rows), Volatile.Read(ref state.Bytes), null));
        await Parallel.ForEachAsync(
            Enumerable.Range(0, results.Length),
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelFiles ?? definition.MaxParallelFiles, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var file = discovered.Files[i];
                var result = await activities.ProcessFileAsync(new ProcessFileRequest(definition.Name, runId, discovered.PipelineVersion, file), ct).ConfigureAwait(false);
                results[i] = result;
                var d = Interlocked.Increment(ref state.Done);
                var f = result.Status == FileStatus.Succeeded ? Volatile.Read(ref state.Failed) : Interlocked.Increment(ref state.Failed);
                progress?.Report(new RunProgress(Volatile.Read(ref state.Total), d, f, Interlocked.Add(ref state.Rows, result.RowsRead), Interlocked.Add(ref state.Bytes, result.BytesWritten), file.Key));
            }).ConfigureAwait(false);
        return results;
    }

    private sealed class ProgressState
    {
        public int Total;
        public int Done;
        public int Failed;
        public long Rows;
        public long Bytes;
    }
}
