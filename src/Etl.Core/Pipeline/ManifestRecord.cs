using Etl.Core.Runs;

namespace Etl.Core.Pipeline;

/// <summary>One line of a manifest segment: what a run did with one file version.</summary>
/// <remarks>
/// <c>PipelineVersion</c> holds the version of the file's dataset (its definition and code transforms). The last two
/// members are optional, so segments written before they existed still load: see <see cref="FileResult"/> for their meaning.
/// </remarks>
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
    DateTimeOffset CommittedAt,
    IReadOnlyDictionary<string, string>? ReferenceVersions = null,
    IReadOnlyDictionary<string, string>? LatestPeriods = null);
