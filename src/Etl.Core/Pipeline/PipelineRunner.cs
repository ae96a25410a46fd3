using System.Globalization;
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
            var runId = started.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];
            var activities = new PipelineActivities(definition, store);
            var discovered = await activities.DiscoverAsync(new DiscoverRequest(definition.Name, runId, options.RetryFailed, options.ReprocessAll), cancellationToken).ConfigureAwait(false);
            if (options.DryRun)
            {
                return (discovered, new RunSummary(definition.Name, runId, discovered.PipelineVersion, started, started, [], 0, 0, 0, 0, 0, 0, 0));
            }

            var results = new FileResult[discovered.Files.Count];
            var done = 0;
            var failed = 0;
            long rows = 0;
            long bytes = 0;
            progress?.Report(new RunProgress(results.Length, 0, 0, 0, 0, null));
            using var renew = new Timer(_ => _ = lease.RenewAsync(CancellationToken.None), null, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(3));
            await Parallel.ForEachAsync(
                Enumerable.Range(0, results.Length),
                new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelFiles ?? definition.MaxParallelFiles, CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    var file = discovered.Files[i];
                    var result = await activities.ProcessFileAsync(new ProcessFileRequest(definition.Name, runId, discovered.PipelineVersion, file), ct).ConfigureAwait(false);
                    results[i] = result;
                    var d = Interlocked.Increment(ref done);
                    var f = result.Status == FileStatus.Succeeded ? Volatile.Read(ref failed) : Interlocked.Increment(ref failed);
                    progress?.Report(new RunProgress(results.Length, d, f, Interlocked.Add(ref rows, result.RowsRead), Interlocked.Add(ref bytes, result.BytesWritten), file.Key));
                }).ConfigureAwait(false);

            var summary = await activities.CommitAsync(new CommitRequest(definition.Name, runId, discovered.PipelineVersion, started, results), cancellationToken).ConfigureAwait(false);
            return (discovered, summary);
        }
    }
}
