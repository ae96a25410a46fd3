namespace Etl.Core.Runs;

/// <summary>Input of the Discover activity.</summary>
/// <param name="Pipeline">Pipeline name (hosts keep a registry of loaded definitions by name).</param>
/// <param name="RunId">The run (orchestration instance) id.</param>
/// <param name="RetryFailed">Also pick failed or quarantined versions whose content did not change.</param>
/// <param name="ReprocessAll">Pick every landed file, whatever the manifest says.</param>
public sealed record DiscoverRequest(string Pipeline, string RunId, bool RetryFailed = false, bool ReprocessAll = false)
{
    /// <summary>
    /// The id of round <paramref name="round"/> of run <paramref name="runId"/> (round 1 is the run id itself): later rounds
    /// process files deferred by <see cref="DiscoverResult.Deferred"/>, and <see cref="ReprocessAll"/> does not pick again
    /// what an earlier round of the same run already processed.
    /// </summary>
    public static string RoundId(string runId, int round) => round <= 1 ? runId : $"{runId}.r{round}";

    /// <summary>The run id a round id belongs to.</summary>
    public static string BaseRunId(string roundId)
    {
        ArgumentNullException.ThrowIfNull(roundId);
        var dot = roundId.LastIndexOf(".r", StringComparison.Ordinal);
        return dot > 0 ? roundId[..dot] : roundId;
    }
}

/// <summary>Output of the Discover activity.</summary>
/// <param name="PipelineVersion">Hash of the normalised definition and code transform versions.</param>
/// <param name="Files">Files to process, in key order.</param>
/// <param name="UpToDate">Landed files skipped because their current version is already processed.</param>
/// <param name="Unmatched">Landed keys that matched no dataset.</param>
/// <param name="Deferred">
/// Files left for a follow-up round of the same run: of several pending files that share a late-rows key (e.g. one
/// partner's monthly files), only the earliest is processed per round, so each sees what the ones before it committed.
/// Hosts discover again after the commit until this is 0.
/// </param>
/// <param name="FailedEarlier">
/// Landed files whose current version failed in an earlier run and is not retried by this one (no --retry-failed):
/// hosts say so, so that a run with nothing new is not mistaken for a lake that is all well.
/// </param>
public sealed record DiscoverResult(string PipelineVersion, IReadOnlyList<FileWorkItem> Files, int UpToDate, IReadOnlyList<string> Unmatched, int Deferred = 0, int FailedEarlier = 0);

/// <summary>Input of the ProcessFile activity.</summary>
public sealed record ProcessFileRequest(string Pipeline, string RunId, string PipelineVersion, FileWorkItem File);

/// <summary>What happened to one file.</summary>
public enum FileStatus
{
    /// <summary>Output written (possibly with rejected or filtered rows).</summary>
    Succeeded,

    /// <summary>The whole file was moved aside to quarantine with an error sidecar.</summary>
    Quarantined,

    /// <summary>Processing failed (e.g. storage error); nothing was published for it.</summary>
    Failed,
}

/// <summary>Output of the ProcessFile activity: counts and keys, never rows.</summary>
/// <param name="File">The work item.</param>
/// <param name="Status">Outcome.</param>
/// <param name="RowsRead">Data rows read (all inner files for a zip).</param>
/// <param name="RowsWritten">Rows written to the processed zone.</param>
/// <param name="RowsRejected">Rows written to rejects.</param>
/// <param name="RowsFiltered">Rows dropped by named filters (filter name to count).</param>
/// <param name="Outputs">Keys of the Parquet files written.</param>
/// <param name="BytesWritten">Total bytes of those outputs.</param>
/// <param name="DurationMs">Processing time.</param>
/// <param name="Error">For quarantined or failed files: what went wrong and what to do.</param>
/// <param name="IsTransient">For failed files: whether a retry may succeed.</param>
/// <param name="Parts">For a zip of CSVs: each inner file's own counts (they add up to the file's); null otherwise.</param>
/// <param name="ReferenceVersions">
/// Reject codes that depend on reference data (e.g. a missing currency rate) that this file's rows were rejected with,
/// each with the reference table's content hash; when the hash changes, the next run processes the file again.
/// </param>
/// <param name="LatestPeriods">For a dataset with a late-rows rule: per key value, the latest date among the written rows (yyyy-MM-dd).</param>
/// <param name="Notes">Counts of kept rows worth reporting (e.g. a lookup's missing keys kept with nulls).</param>
/// <param name="SourceChanged">
/// The landed object was replaced while it was read (its ETag or size is no longer the discovered one): nothing was
/// written, and no manifest record is made, so the next run processes the new version as new.
/// </param>
/// <param name="Warnings">What a person should look at in a file that succeeded (e.g. a header and no data rows).</param>
public sealed record FileResult(
    FileWorkItem File,
    FileStatus Status,
    long RowsRead,
    long RowsWritten,
    long RowsRejected,
    IReadOnlyDictionary<string, long> RowsFiltered,
    IReadOnlyList<string> Outputs,
    long BytesWritten,
    double DurationMs,
    string? Error = null,
    bool IsTransient = false,
    IReadOnlyList<FilePartResult>? Parts = null,
    IReadOnlyDictionary<string, string>? ReferenceVersions = null,
    IReadOnlyDictionary<string, string>? LatestPeriods = null,
    IReadOnlyDictionary<string, long>? Notes = null,
    bool SourceChanged = false,
    IReadOnlyList<string>? Warnings = null);

/// <summary>Counts of one CSV inside a zip.</summary>
/// <param name="Name">Entry name inside the archive.</param>
/// <param name="RowsRead">Data rows read.</param>
/// <param name="RowsWritten">Rows written.</param>
/// <param name="RowsRejected">Rows rejected.</param>
/// <param name="RowsFiltered">Rows dropped by transforms' named filters.</param>
public sealed record FilePartResult(string Name, long RowsRead, long RowsWritten, long RowsRejected, long RowsFiltered = 0);

/// <summary>Input of the Commit activity.</summary>
public sealed record CommitRequest(string Pipeline, string RunId, string PipelineVersion, DateTimeOffset StartedAt, IReadOnlyList<FileResult> Results);

/// <summary>The run summary written to <c>_meta/</c> and printed by <c>etl run</c>.</summary>
public sealed record RunSummary(
    string Pipeline,
    string RunId,
    string PipelineVersion,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    IReadOnlyList<FileResult> Files,
    int FilesSucceeded,
    int FilesQuarantined,
    int FilesFailed,
    long RowsRead,
    long RowsWritten,
    long RowsRejected,
    long RowsFiltered);

/// <summary>Input of the FetchSources activity.</summary>
/// <param name="Pipeline">Pipeline name.</param>
/// <param name="RunId">The run id.</param>
public sealed record FetchSourcesRequest(string Pipeline, string RunId);

/// <summary>What fetching one dataset's source did.</summary>
public enum SourceOutcome
{
    /// <summary>A URL source's new content was landed.</summary>
    Fetched,

    /// <summary>A URL source's server said the file has not changed (304).</summary>
    NotModified,

    /// <summary>A URL source was downloaded with the same bytes as last time: nothing landed.</summary>
    Unchanged,

    /// <summary>A PostgreSQL source's new or changed rows were landed as one file.</summary>
    Extracted,

    /// <summary>A PostgreSQL source had no row past its watermark: nothing landed.</summary>
    NoNewRows,

    /// <summary>The source's schedule interval has not passed since its last check.</summary>
    NotDue,

    /// <summary>The source failed; nothing of it was landed.</summary>
    Failed,
}

/// <summary>The result of one dataset's source, small enough for orchestration history.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Kind">The source kind: <c>url</c> or <c>postgres</c>.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="Landed">Landed keys (empty when nothing was landed).</param>
/// <param name="Rows">Rows landed (PostgreSQL extracts; 0 for files).</param>
/// <param name="Bytes">Bytes downloaded (URL sources; 0 for extracts).</param>
/// <param name="Note">A short explanation (the failure, the next due time), if any.</param>
/// <param name="Message">The line hosts print or log for it, e.g. <c>Source sales: extracted 6 row(s) from public.sales ...</c>.</param>
/// <param name="IsTransient">For a failed source: whether a retry may succeed (the activity is then retried).</param>
public sealed record SourceResult(string Dataset, string Kind, SourceOutcome Outcome, IReadOnlyList<string> Landed, long Rows, long Bytes, string? Note, string Message, bool IsTransient = false);

/// <summary>Output of the FetchSources activity, recorded in the run's output.</summary>
/// <param name="Sources">One result per declared source, in definition order.</param>
/// <param name="Notices">Other lines worth showing (e.g. extracts of an earlier run not committed yet).</param>
/// <param name="Error">
/// Set by the orchestrator when the activity itself failed for good (a transient failure that outlasted the retry policy):
/// its message, one line per source. The run still processes what is landed.
/// </param>
public sealed record FetchSourcesResult(IReadOnlyList<SourceResult> Sources, IReadOnlyList<string> Notices, string? Error = null)
{
    /// <summary>Whether any source failed (or the activity did).</summary>
    public bool Failed => Error is not null || Sources.Any(s => s.Outcome == SourceOutcome.Failed);
}

/// <summary>
/// The pipeline's activities, as the orchestrator calls them. Implemented by Etl.Core; hosted as Durable Functions
/// activities in Azure and called in-process by the local host. Inputs and outputs are small JSON-serialisable records.
/// </summary>
public interface IPipelineActivities
{
    /// <summary>
    /// Fetches every declared source (URL files, PostgreSQL extracts) into landing/, before Discover. A source that fails
    /// for good is reported in its result; a transient failure throws (transient), so the host retries the activity.
    /// </summary>
    Task<FetchSourcesResult> FetchSourcesAsync(FetchSourcesRequest request, CancellationToken cancellationToken = default);

    /// <summary>Lists landing, diffs against the manifest, returns the file versions to process.</summary>
    Task<DiscoverResult> DiscoverAsync(DiscoverRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads, validates, types, enriches, partitions and writes one file. Never throws for bad data: the result says.</summary>
    Task<FileResult> ProcessFileAsync(ProcessFileRequest request, CancellationToken cancellationToken = default);

    /// <summary>Appends the manifest and metrics segments and writes the run summary. Idempotent per run id.</summary>
    Task<RunSummary> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default);
}
