namespace Etl.Warehouse;

/// <summary>Identity of one source file version being loaded: the fact rows it produced are replaced as a unit.</summary>
/// <param name="SourceId">Stable id of the source file version (the processed zone's part-&lt;sourceId&gt;).</param>
/// <param name="SourceKey">Source object key.</param>
/// <param name="ETag">Source ETag.</param>
/// <param name="Version">Source version id, if the store has versions.</param>
/// <param name="ParquetKey">Processed-zone key the rows were read from.</param>
public sealed record FileLoadSource(string SourceId, string? SourceKey = null, string? ETag = null, string? Version = null, string? ParquetKey = null);

/// <summary>Outcome of loading one file.</summary>
/// <param name="SourceId">The file's source id.</param>
/// <param name="RowsStaged">Rows copied into staging.</param>
/// <param name="RowsLoaded">Fact rows now held for the file.</param>
/// <param name="StagingElapsed">Time spent in the binary COPY.</param>
/// <param name="MergeElapsed">Time spent in the merge transaction.</param>
public sealed record FileLoadResult(string SourceId, long RowsStaged, long RowsLoaded, TimeSpan StagingElapsed, TimeSpan MergeElapsed);
