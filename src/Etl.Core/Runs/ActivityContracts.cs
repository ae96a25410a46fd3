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

/// <summary>
/// The pipeline's activities, as the orchestrator calls them. Implemented by Etl.Core; hosted as Durable Functions
/// activities in Azure and called in-process by the local host. Inputs and outputs are small JSON-serialisable records.
/// </summary>
public interface IPipelineActivities
{
    /// <summary>Lists landing, diffs against the manifest, returns the file versions to process.</summary>
    Task<DiscoverResult> DiscoverAsync(DiscoverRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads, validates, types, enriches, partitions and writes one file. Never throws for bad data: the result says.</summary>
    Task<FileResult> ProcessFileAsync(ProcessFileRequest request, CancellationToken cancellationToken = default);

    /// <summary>Appends the manifest and metrics segments and writes the run summary. Idempotent per run id.</summary>
    Task<RunSummary> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default);
}
