using Etl.Core.Runs;

namespace Etl.Orchestration;

/// <summary>
/// The pipeline orchestration, written once against <see cref="IOrchestrationContext"/>: FetchSources (when the
/// definition declares sources), Discover, then the files in
/// batches, each batch a sub-orchestration that fans out one ProcessFile activity per file with bounded parallelism,
/// then Commit and the optional warehouse load. Deterministic: it only calls the context.
/// One file's failure never fails the run: it becomes that file's <see cref="FileStatus.Failed"/> result.
/// </summary>
public static class PipelineOrchestrator
{
    /// <summary>The orchestrator (<see cref="ActivityNames.RunPipeline"/>).</summary>
    public static async Task<PipelineRunOutput> RunAsync(IOrchestrationContext context, PipelineRunInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var startedAt = new DateTimeOffset(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));
        var retry = input.Retry ?? ActivityRetryPolicy.Default;
        var batchSize = Math.Max(1, input.BatchSize);
        var parallel = Math.Max(1, input.MaxParallelFiles);

        // The run id names the manifest segments, which must sort by time: derived from the replay-safe start time,
        // not taken from the instance id (a fixed singleton id on Azure, a random one locally).
        var runId = RunIds.Create(startedAt, context.InstanceId);

        // Sources first, so what they land is discovered by this run. Their result is recorded in the history like any
        // activity's; a failure that outlasted the retries is recorded too, and the run processes what is landed.
        FetchSourcesResult? sources = null;
        if (input.FetchSources)
        {
            context.SetCustomStatus(new RunProgressStatus("fetching-sources", 0, 0, 0, 0, 0, 0, 0));
            try
            {
                sources = await context.CallActivityAsync<FetchSourcesResult>(
                    ActivityNames.FetchSources, new FetchSourcesRequest(input.Pipeline, runId), retry).ConfigureAwait(true);
            }
            catch (ActivityFailedException ex)
            {
                sources = new FetchSourcesResult([], [], ex.Reason);
            }
        }

        context.SetCustomStatus(new RunProgressStatus("discovering", 0, 0, 0, 0, 0, 0, 0));
        var results = new List<FileResult>();
        var progress = new RunProgressStatus("processing", 0, 0, 0, 0, 0, 0, 0);
        DiscoverResult? first = null;
        RunSummary? summary = null;
        var totalFiles = 0;
        var batchIndex = 0;

        // Rounds: files that share a late-rows key run one per round (DiscoverResult.Deferred), each round committed
        // before the next is discovered, so a file's watermark sees the files before it. Usually there is one round.
        for (var round = 1; ; round++)
        {
            var roundId = DiscoverRequest.RoundId(runId, round);
            var discovered = await context.CallActivityAsync<DiscoverResult>(
                ActivityNames.Discover,
                new DiscoverRequest(input.Pipeline, roundId, input.RetryFailed, input.ReprocessAll),
                retry).ConfigureAwait(true);
            first ??= discovered;
            var files = discovered.Files;
            totalFiles += files.Count;
            var batchCount = (files.Count + batchSize - 1) / batchSize;
            var roundResults = new List<FileResult>(files.Count);
            progress = progress with { Stage = "processing", FilesTotal = totalFiles + discovered.Deferred, BatchesTotal = progress.BatchesTotal + batchCount };
            context.SetCustomStatus(progress);
            for (var b = 0; b < batchCount; b++)
            {
                var count = Math.Min(batchSize, files.Count - (b * batchSize));
                var batchFiles = new FileWorkItem[count];
                for (var i = 0; i < count; i++)
                {
                    batchFiles[i] = files[(b * batchSize) + i];
                }

                var batch = await context.CallSubOrchestratorAsync<FileBatchResult>(
                    ActivityNames.ProcessFileBatch,
                    new FileBatchInput(input.Pipeline, roundId, discovered.PipelineVersion, batchIndex++, batchFiles, parallel, retry)).ConfigureAwait(true);
                roundResults.AddRange(batch.Results);
                progress = Advance(progress, batch.Results);
                context.SetCustomStatus(progress);
            }

            context.SetCustomStatus(progress with { Stage = "committing" });
            summary = await context.CallActivityAsync<RunSummary>(
                ActivityNames.Commit,
                new CommitRequest(input.Pipeline, roundId, discovered.PipelineVersion, startedAt, roundResults),
                retry).ConfigureAwait(true);
            results.AddRange(roundResults);
            if (discovered.Deferred == 0 || files.Count == 0)
            {
                break;
            }
        }

        WarehouseLoadResult? warehouse = null;
        string? warehouseError = null;
        if (input.LoadWarehouse)
        {
            // Called even when no file is new, so the models are rebuilt on every scheduled run; the activity also loads
            // committed files an earlier failed load left behind. Its failure is recorded, not thrown: the files are committed.
            var toLoad = new List<WarehouseLoadFile>();
            foreach (var r in results)
            {
                if (r.Status == FileStatus.Succeeded)
                {
                    toLoad.Add(new WarehouseLoadFile(r.File.Key, r.File.ETag, r.File.Dataset, r.File.SourceId, r.Outputs));
                }
            }

            context.SetCustomStatus(progress with { Stage = "loading-warehouse" });
            try
            {
                warehouse = await context.CallActivityAsync<WarehouseLoadResult>(
                    ActivityNames.LoadWarehouse, new WarehouseLoadRequest(input.Pipeline, runId, toLoad), retry).ConfigureAwait(true);
            }
            catch (ActivityFailedException ex)
            {
                warehouseError = ex.Reason;
            }
        }

        context.SetCustomStatus(progress with { Stage = "done" });
        return new PipelineRunOutput(
            input.Pipeline,
            runId,
            first!.PipelineVersion,
            startedAt,
            summary!.FinishedAt,
            totalFiles,
            results.Count(r => r.Status == FileStatus.Succeeded),
            results.Count(r => r.Status == FileStatus.Quarantined),
            results.Count(r => r.Status == FileStatus.Failed),
            first.UpToDate,
            results.Sum(r => r.RowsRead),
            results.Sum(r => r.RowsWritten),
            results.Sum(r => r.RowsRejected),
            results.Sum(r => r.RowsFiltered.Values.Sum()),
            warehouse,
            warehouseError,
            sources);
    }

    /// <summary>The batch sub-orchestrator (<see cref="ActivityNames.ProcessFileBatch"/>): at most <see cref="FileBatchInput.MaxParallelFiles"/> activities in flight.</summary>
    public static async Task<FileBatchResult> RunBatchAsync(IOrchestrationContext context, FileBatchInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var files = input.Files;
        var results = new FileResult[files.Count];
        var inFlight = new List<Task<(int Index, FileResult Result)>>(input.MaxParallelFiles);
        var next = 0;
        while (next < files.Count || inFlight.Count > 0)
        {
            while (next < files.Count && inFlight.Count < Math.Max(1, input.MaxParallelFiles))
            {
                inFlight.Add(ProcessOneAsync(context, input, next));
                next++;
            }

            var done = await Task.WhenAny(inFlight).ConfigureAwait(true);
            inFlight.Remove(done);
            var (index, result) = await done.ConfigureAwait(true);
            results[index] = result;
        }

        return new FileBatchResult(input.BatchIndex, results);
    }

    /// <summary>The result recorded for a file whose activity failed for good: the run goes on without it.</summary>
    public static FileResult FailedResult(FileWorkItem file, string error, bool isTransient) =>
        new(file, FileStatus.Failed, 0, 0, 0, new Dictionary<string, long>(), [], 0, 0, error, isTransient);

    private static async Task<(int, FileResult)> ProcessOneAsync(IOrchestrationContext context, FileBatchInput input, int index)
    {
        var file = input.Files[index];
        try
        {
            var result = await context.CallActivityAsync<FileResult>(
                ActivityNames.ProcessFile,
                new ProcessFileRequest(input.Pipeline, input.RunId, input.PipelineVersion, file),
                input.Retry).ConfigureAwait(true);
            return (index, result);
        }
        catch (ActivityFailedException ex)
        {
            return (index, FailedResult(file, ex.Reason, ex.IsTransient));
        }
    }

    private static RunProgressStatus Advance(RunProgressStatus progress, IReadOnlyList<FileResult> results)
    {
        int done = progress.FilesDone, failed = progress.FilesFailed;
        long read = progress.RowsRead, written = progress.RowsWritten;
        foreach (var r in results)
        {
            done++;
            if (r.Status != FileStatus.Succeeded)
            {
                failed++;
            }

            read += r.RowsRead;
            written += r.RowsWritten;
        }

        return progress with { FilesDone = done, FilesFailed = failed, RowsRead = read, RowsWritten = written, BatchesDone = progress.BatchesDone + 1 };
    }
}
