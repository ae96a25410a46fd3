using System.Diagnostics;
using Etl.Parquet;
using Npgsql;

namespace Etl.Warehouse;

/// <summary>
/// Entry points of the warehouse: migrate, load a file's rows (idempotently, per source file version), refresh marts, run models.
/// </summary>
public sealed class WarehouseLoader : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly WarehouseOptions _options;

    /// <summary>Creates a loader; the connection string comes from <paramref name="options"/> or ETL_WAREHOUSE_CONNECTION.</summary>
    public WarehouseLoader(WarehouseOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var builder = new NpgsqlConnectionStringBuilder(options.ResolveConnectionString()) { CommandTimeout = options.CommandTimeoutSeconds };
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    /// <summary>Applies pending migrations (under an advisory lock). Returns the versions applied.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(int? targetVersion = null, CancellationToken cancellationToken = default)
    {
        var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connScope = conn.ConfigureAwait(false);
        return await Migrations.ApplyAsync(conn, targetVersion, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads one file's Parquet output (a processed-zone part file) for <paramref name="dataset"/>.</summary>
    public async Task<FileLoadResult> LoadParquetAsync(WarehouseDataset dataset, FileLoadSource source, Stream parquet, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parquet);
        using var reader = await ParquetFileReader.OpenAsync(parquet, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        return await LoadAsync(dataset, source, reader.Schema, RowGroups(reader), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Loads one source file version from its column batches: binary COPY into a session staging table, then one transaction that
    /// upserts dimensions, replaces the file's fact rows and records the file load. Re-running it gives the same warehouse state.
    /// </summary>
    public async Task<FileLoadResult> LoadAsync(WarehouseDataset dataset, FileLoadSource source, ParquetSchema schema, IEnumerable<ColumnBatch> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(batches);
        dataset.Validate();
        if (string.IsNullOrEmpty(source.SourceId))
        {
            throw new WarehouseConfigurationException("A file load needs a source id.");
        }

        var sql = new MergeSql(dataset, schema);
        var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connScope = conn.ConfigureAwait(false);
        await Migrations.ApplyAsync(conn, null, cancellationToken).ConfigureAwait(false);
        await MarkStagingAsync(conn, dataset, source, cancellationToken).ConfigureAwait(false);
        try
        {
            var staging = "pg_temp." + Identifiers.Q("stg_" + dataset.Dataset);
            await Migrations.ExecAsync(conn, $"DROP TABLE IF EXISTS {staging}; " + sql.CreateStaging(staging), cancellationToken).ConfigureAwait(false);

            var sw = Stopwatch.StartNew();
            ulong staged;
            var copy = await conn.BeginRawBinaryCopyAsync(sql.CopyCommand(staging), cancellationToken).ConfigureAwait(false);
            await using (copy.ConfigureAwait(false))
            {
                var copier = new BatchCopier(copy, sql.Columns);
                await using (copier.ConfigureAwait(false))
                {
                    try
                    {
                        foreach (var batch in batches)
                        {
                            await copier.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                        }

                        await copier.CompleteAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        // Abort the COPY (CopyFail) rather than let disposal complete it with part of the rows.
                        await copy.CancelAsync().ConfigureAwait(false);
                        throw;
                    }

                    staged = copier.Rows;
                }
            }

            var stagingElapsed = sw.Elapsed;
            sw.Restart();
            long loaded = 0;
            var tx = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (tx.ConfigureAwait(false))
            {
                // Merges of one dataset are serialised: dimension upserts (SCD2 close-and-insert) and the fact replace of the
                // same file must not interleave. Staging (the COPY, the expensive part) above runs in parallel.
                var lk = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", conn);
                await using (lk.ConfigureAwait(false))
                {
                    lk.Parameters.Add(new NpgsqlParameter { Value = "etl.warehouse:" + dataset.Dataset });
                    await lk.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await Migrations.ExecAsync(conn, sql.CreateTables(), cancellationToken).ConfigureAwait(false);
                await Migrations.ExecAsync(conn, $"ANALYZE {staging}", cancellationToken).ConfigureAwait(false);
                foreach (var (stmt, usesId) in sql.MergeStatements(staging))
                {
                    var cmd = new NpgsqlCommand(stmt, conn);
                    await using var cmdScope = cmd.ConfigureAwait(false);
                    if (usesId)
                    {
                        cmd.Parameters.Add(new NpgsqlParameter { Value = source.SourceId });
                    }

                    var n = await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    if (dataset.FactTable is { } fact && stmt.StartsWith("INSERT INTO warehouse." + Identifiers.Q(fact), StringComparison.Ordinal))
                    {
                        loaded = n;
                    }
                }

                if (dataset.FactTable is null)
                {
                    // A dataset feeding dimensions only: every staged row was merged into them.
                    loaded = (long)staged;
                }

                foreach (var view in sql.MartViews())
                {
                    await Migrations.ExecAsync(conn, view, cancellationToken).ConfigureAwait(false);
                }

                var done = new NpgsqlCommand(
                    "UPDATE warehouse.file_loads SET status = 'loaded', rows_staged = $2, rows_loaded = $3, finished_at = clock_timestamp(), error = NULL, load_count = load_count + 1 WHERE source_id = $1",
                    conn);

                await using (done.ConfigureAwait(false))
                {
                    done.Parameters.Add(new NpgsqlParameter { Value = source.SourceId });
                    done.Parameters.Add(new NpgsqlParameter { Value = (long)staged });
                    done.Parameters.Add(new NpgsqlParameter { Value = loaded });
                    await done.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                if (_options.BeforeCommit is { } hook)
                {
                    await hook(source.SourceId).ConfigureAwait(false);
                }

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            await Migrations.ExecAsync(conn, $"DROP TABLE IF EXISTS {staging}", cancellationToken).ConfigureAwait(false);
            return new FileLoadResult(source.SourceId, (long)staged, loaded, stagingElapsed, sw.Elapsed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await MarkFailedAsync(source, ex, cancellationToken).ConfigureAwait(false);
            if (ex is PostgresException pg)
            {
                throw new WarehouseException(
                    $"Loading source '{source.SourceId}' into dataset '{dataset.Dataset}' failed: {pg.MessageText} (SQLSTATE {pg.SqlState}). Nothing was committed; re-run the load.",
                    ex,
                    pg.IsTransient);
            }

            if (ex is NpgsqlException lost)
            {
                // The connection broke (the server restarted, failed over or dropped us): the open transaction is gone
                // with it, so nothing of this file was committed.
                throw new WarehouseException(
                    $"Loading source '{source.SourceId}' into dataset '{dataset.Dataset}' failed: the connection to the warehouse PostgreSQL was lost ({lost.Message}). "
                    + "Nothing was committed; the rows loaded before are kept. Re-run the load (etl warehouse load) once the server answers.",
                    ex,
                    isTransient: true);
            }

            throw;
        }
    }

    /// <summary>Materialises the models of <paramref name="folder"/> in the analytics schema, in dependency order, in one transaction.</summary>
    public async Task<IReadOnlyList<string>> RunModelsAsync(string folder, CancellationToken cancellationToken = default)
    {
        var models = ModelSet.Load(folder);
        var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connScope = conn.ConfigureAwait(false);
        await Migrations.ApplyAsync(conn, null, cancellationToken).ConfigureAwait(false);
        await ModelRunner.RunAsync(conn, models, cancellationToken).ConfigureAwait(false);
        return [.. models.Select(m => m.Name)];
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static IEnumerable<ColumnBatch> RowGroups(ParquetFileReader reader)
    {
        for (var i = 0; i < reader.RowGroupCount; i++)
        {
            yield return reader.ReadRowGroup(i);
        }
    }

    /// <summary>Source id to the version recorded for every file whose load is complete (<c>file_loads.status = 'loaded'</c>).</summary>
    public async Task<Dictionary<string, string>> LoadedVersionsAsync(CancellationToken cancellationToken = default)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var conn = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (conn.ConfigureAwait(false))
        {
            var cmd = new NpgsqlCommand("SELECT source_id, coalesce(version, '') FROM warehouse.file_loads WHERE status = 'loaded'", conn);
            await using (cmd.ConfigureAwait(false))
            {
                var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        result[reader.GetString(0)] = reader.GetString(1);
                    }
                }
            }
        }

        return result;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            // The connection string is never put in the message: it may hold a password.
            throw new WarehouseException($"Cannot connect to the warehouse PostgreSQL: {ex.Message}. Check warehouse.connection / {WarehouseOptions.ConnectionEnvironmentVariable}.", ex, isTransient: true);
        }
    }

    private static async Task MarkStagingAsync(NpgsqlConnection conn, WarehouseDataset dataset, FileLoadSource source, CancellationToken ct)
    {
        var cmd = new NpgsqlCommand("""
            INSERT INTO warehouse.file_loads (source_id, dataset, source_key, etag, version, parquet_key, status, started_at)
            VALUES ($1, $2, $3, $4, $5, $6, 'staging', clock_timestamp())
            ON CONFLICT (source_id) DO UPDATE SET dataset = EXCLUDED.dataset, source_key = EXCLUDED.source_key, etag = EXCLUDED.etag,
                version = EXCLUDED.version, parquet_key = EXCLUDED.parquet_key, status = 'staging', started_at = EXCLUDED.started_at,
                finished_at = NULL, error = NULL
            """, conn);
        await using var cmdScope = cmd.ConfigureAwait(false);
        foreach (var v in new object?[] { source.SourceId, dataset.Dataset, source.SourceKey, source.ETag, source.Version, source.ParquetKey })
        {
            cmd.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = (string?)v, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        }

        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task MarkFailedAsync(FileLoadSource source, Exception error, CancellationToken ct)
    {
        try
        {
            var conn = await OpenAsync(ct).ConfigureAwait(false);
            await using var connScope = conn.ConfigureAwait(false);
            var cmd = new NpgsqlCommand(
                "UPDATE warehouse.file_loads SET status = 'failed', finished_at = clock_timestamp(), error = $2 WHERE source_id = $1 AND status = 'staging'", conn);
            await using var cmdScope = cmd.ConfigureAwait(false);
            cmd.Parameters.Add(new NpgsqlParameter { Value = source.SourceId });
            cmd.Parameters.Add(new NpgsqlParameter { Value = error.Message });
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or WarehouseException)
        {
            // Best effort: the row stays 'staging', which a later load treats the same as 'failed'.
        }
    }
}
