using Etl.Core.Runs;

namespace Etl.Core.Pipeline;

/// <summary>One line of a manifest segment: what a run did with one file version.</summary>
public sealed record ManifestRecord(
    string Key,
    long Size,
    string ETag,
    string Dataset,
    string SourceId,
    FileStatus Status,
    string PipelineVersion,
    string RunId,
    long RowsRead,
    long RowsWritten,
    long RowsRejected,
    long RowsFiltered,
    IReadOnlyList<string> Outputs,
    string? Error,
    DateTimeOffset CommittedAt);
