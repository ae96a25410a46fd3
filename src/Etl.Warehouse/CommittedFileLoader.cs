using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Parquet;
using Etl.Storage;
using Npgsql;

namespace Etl.Warehouse;

/// <summary>What a load of committed files did.</summary>
/// <param name="FilesLoaded">Source files loaded now.</param>
/// <param name="FilesUpToDate">Source files whose current version was already loaded.</param>
/// <param name="RowsLoaded">Fact rows now held for the files loaded.</param>
/// <param name="Failures">Files that could not be loaded, with the reason (the others are loaded regardless).</param>
public sealed record CommittedLoadSummary(int FilesLoaded, int FilesUpToDate, long RowsLoaded, IReadOnlyList<string> Failures);

/// <summary>
/// Loads into the warehouse what the lake's manifest records as committed and the warehouse has not loaded yet (at
/// that version), reading the processed Parquet, so a load can be re-run without re-reading sources. Each source
/// file is loaded from all its partition outputs in one transaction (see <see cref="WarehouseLoader"/>).
/// </summary>
public sealed class CommittedFileLoader(WarehouseLoader loader, WarehouseDefinition warehouse, IObjectStore store)
{
    /// <summary>Loads committed, not-yet-loaded files of the configured datasets; <paramref name="since"/> limits to files committed at or after it.</summary>
    public async Task<CommittedLoadSummary> LoadCommittedAsync(DateTimeOffset? since = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var manifest = await Manifest.LoadAsync(store, cancellationToken).ConfigureAwait(false);
        var loaded = await LoadedVersionsAsync(cancellationToken).ConfigureAwait(false);
        int files = 0, upToDate = 0;
        long rows = 0;
        var failures = new List<string>();
        // Datasets that only feed dimensions (reference tables) load first, so that facts loaded in the same pass find
        // the members they reference current; within a dataset files load in key order (extracts: in extract order).
        foreach (var record in manifest.Latest.Values
            .OrderBy(r => warehouse.Datasets.FirstOrDefault(d => d.Dataset == r.Dataset)?.FactTable is null ? 0 : 1)
            .ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            var dataset = warehouse.Datasets.FirstOrDefault(d => d.Dataset == record.Dataset);
            if (dataset is null || record.Status != FileStatus.Succeeded || (since is { } s && record.CommittedAt < s))
            {
                continue;
            }

            var version = Version(record);
            if (loaded.TryGetValue(record.SourceId, out var done) && done == version)
            {
                upToDate++;
                continue;
            }

            try
            {
                var result = await LoadFileAsync(dataset, record, version, cancellationToken).ConfigureAwait(false);
                files++;
                rows += result.RowsLoaded;
                progress?.Report($"loaded {record.Key}: {result.RowsLoaded:N0} rows");
            }
            catch (Exception ex) when (ex is WarehouseException or WarehouseConfigurationException or StorageException or ParquetFormatException or PostgresException)
            {
                failures.Add($"{record.Key}: {ex.Message}");
            }
        }

        return new CommittedLoadSummary(files, upToDate, rows, failures);
    }

    /// <summary>Loads one committed file version (also used by the orchestrator's warehouse activity).</summary>
    public async Task<FileLoadResult> LoadFileAsync(WarehouseDataset dataset, ManifestRecord record, string version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(record);
        if (record.Outputs.Count == 0)
        {
            throw new WarehouseConfigurationException(
                $"{record.Key}: the committed version has no Parquet output (every row was rejected or filtered), so there is nothing to load; its earlier fact rows, if any, are kept.");
        }

        // Object-store streams cannot seek, and a Parquet reader must: each output is spooled to a temp file first.
        var readers = new List<(FileStream File, ParquetFileReader Reader)>();
        try
        {
            foreach (var key in record.Outputs)
            {
                var temp = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                var source = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
                await using (source.ConfigureAwait(false))
                {
                    await source.CopyToAsync(temp, cancellationToken).ConfigureAwait(false);
                }

                temp.Position = 0;
                readers.Add((temp, ParquetFileReader.Open(temp, leaveOpen: true)));
            }

            var source0 = new FileLoadSource(record.SourceId, record.Key, record.ETag, version, record.Outputs[0]);
            return await loader.LoadAsync(dataset, source0, readers[0].Reader.Schema, Batches(readers.Select(r => r.Reader)), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (file, reader) in readers)
            {
                reader.Dispose();
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The version a load records: the landed file's ETag and the dataset version that produced the output.</summary>
    public static string Version(ManifestRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return $"{record.ETag}@{record.PipelineVersion}";
    }

    private static IEnumerable<ColumnBatch> Batches(IEnumerable<ParquetFileReader> readers)
    {
        foreach (var reader in readers)
        {
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                yield return reader.ReadRowGroup(g);
            }
        }
    }

    private async Task<Dictionary<string, string>> LoadedVersionsAsync(CancellationToken cancellationToken)
    {
        await loader.MigrateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return await loader.LoadedVersionsAsync(cancellationToken).ConfigureAwait(false);
    }
}
