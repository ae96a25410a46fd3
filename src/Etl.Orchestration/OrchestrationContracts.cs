using Etl.Core.Runs;

namespace Etl.Orchestration;

/// <summary>Input of the pipeline orchestrator: which pipeline, what to pick, and how to fan out.</summary>
/// <param name="Pipeline">Pipeline name.</param>
/// <param name="RetryFailed">Also retry failed or quarantined versions whose content did not change.</param>
/// <param name="ReprocessAll">Process every landed file again.</param>
/// <param name="BatchSize">Files per sub-orchestration (so a huge run never builds one giant fan-in).</param>
/// <param name="MaxParallelFiles">Files processed at once inside a batch.</param>
/// <param name="Retry">Retry policy for transient activity failures; <see langword="null"/> for <see cref="ActivityRetryPolicy.Default"/>.</param>
/// <param name="LoadWarehouse">Load the succeeded files into the warehouse after the commit.</param>
/// <param name="Trigger">What started the run (schedule, sensor, event, http, cli), for the record.</param>
/// <param name="FetchSources">
/// The definition declares sources: the run starts with the FetchSources activity (hosts set it from
/// <c>PipelineDefinition.HasSources</c>).
/// </param>
public sealed record PipelineRunInput(
    string Pipeline,
    bool RetryFailed = false,
    bool ReprocessAll = false,
    int BatchSize = 100,
    int MaxParallelFiles = 4,
    ActivityRetryPolicy? Retry = null,
    bool LoadWarehouse = false,
    string? Trigger = null,
    bool FetchSources = false);

/// <summary>Input of the batch sub-orchestration: one ProcessFile activity per file, at most <paramref name="MaxParallelFiles"/> at once.</summary>
public sealed record FileBatchInput(
    string Pipeline,
    string RunId,
    string PipelineVersion,
    int BatchIndex,
    IReadOnlyList<FileWorkItem> Files,
    int MaxParallelFiles,
    ActivityRetryPolicy Retry);

/// <summary>Output of the batch sub-orchestration: one result per file, in the batch's order.</summary>
public sealed record FileBatchResult(int BatchIndex, IReadOnlyList<FileResult> Results);

/// <summary>The custom status the orchestrator publishes: progress of the run.</summary>
/// <param name="Stage">fetching-sources, discovering, processing, committing, loading-warehouse, done.</param>
/// <param name="FilesTotal">Files to process in this run.</param>
/// <param name="FilesDone">Files finished (any outcome).</param>
/// <param name="FilesFailed">Files quarantined or failed.</param>
/// <param name="RowsRead">Rows read so far.</param>
/// <param name="RowsWritten">Rows written so far.</param>
/// <param name="BatchesDone">Batches finished.</param>
/// <param name="BatchesTotal">Batches in all.</param>
public sealed record RunProgressStatus(
    string Stage,
    int FilesTotal,
    int FilesDone,
    int FilesFailed,
    long RowsRead,
    long RowsWritten,
    int BatchesDone,
    int BatchesTotal);

/// <summary>
/// Output of the pipeline orchestrator: the run's counts (the per-file detail is in the run summary and the instance
/// history), and what the FetchSources activity did (null when the definition declares no sources).
/// </summary>
public sealed record PipelineRunOutput(
    string Pipeline,
    string RunId,
    string PipelineVersion,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    int FilesTotal,
    int FilesSucceeded,
    int FilesQuarantined,
    int FilesFailed,
    int FilesUpToDate,
    long RowsRead,
    long RowsWritten,
    long RowsRejected,
    long RowsFiltered,
    WarehouseLoadResult? Warehouse = null,
    string? WarehouseError = null,
    FetchSourcesResult? Sources = null);
