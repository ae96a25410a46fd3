namespace Etl.Orchestration;

/// <summary>
/// The optional warehouse load, as the orchestrator calls it after the commit: loads the processed output of the
/// run's succeeded files, idempotently per source file, then runs the SQL models.
/// </summary>
public interface IWarehouseLoadActivity
{
    /// <summary>Loads the files; returns counts.</summary>
    Task<WarehouseLoadResult> LoadAsync(WarehouseLoadRequest request, CancellationToken cancellationToken = default);
}

/// <summary>One file to load: keys only.</summary>
/// <param name="Key">Source object key.</param>
/// <param name="ETag">Source version.</param>
/// <param name="Dataset">Dataset name.</param>
/// <param name="SourceId">Stable source id (fact rows are replaced per source id).</param>
/// <param name="Outputs">Processed-zone Parquet keys written for it.</param>
public sealed record WarehouseLoadFile(string Key, string ETag, string Dataset, string SourceId, IReadOnlyList<string> Outputs);

/// <summary>Input of the warehouse load activity.</summary>
public sealed record WarehouseLoadRequest(string Pipeline, string RunId, IReadOnlyList<WarehouseLoadFile> Files);

/// <summary>Output of the warehouse load activity.</summary>
/// <param name="FilesLoaded">Files loaded.</param>
/// <param name="RowsLoaded">Fact rows now held for them.</param>
/// <param name="ModelsRun">SQL models run afterwards, in order.</param>
public sealed record WarehouseLoadResult(int FilesLoaded, long RowsLoaded, IReadOnlyList<string> ModelsRun);
