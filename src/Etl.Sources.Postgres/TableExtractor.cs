using System.Data;
using System.Globalization;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Parquet;
using Etl.Storage;
using Npgsql;

namespace Etl.Sources.Postgres;

/// <summary>
/// Extracts one dataset's table: the rows past the base watermark (less the lag), read through a server-side cursor
/// a page at a time inside one REPEATABLE READ snapshot, ordered by watermark and key, and written column batch by
/// column batch to one Parquet file under landing/. Rows re-read inside the overlap window whose version (key and
/// row MD5) was extracted before are skipped. The file lands only when complete, after its pending mark is saved.
/// </summary>
internal sealed class TableExtractor(IObjectStore store, DatasetDefinition dataset, PostgresSourceDefinition source, PostgresExtractorOptions options)
{
    private const string Row = "etl_src_row";
    private const string Cursor = "etl_extract";

    private string Table => $"{source.Schema}.{source.Table}";

    public async Task<PostgresExtractResult> ExtractAsync(Manifest manifest, CancellationToken cancellationToken)
    {
        var stateKey = ExtractState.KeyOf(dataset.Name);
        var (state, _, _) = await ReconcileAsync(manifest, cancellationToken).ConfigureAwait(false);
        var now = options.Time.GetUtcNow();
        if (source.Every is { } every && state.CheckedAt is { } checkedAt && checkedAt + every > now)
        {
            return new PostgresExtractResult(dataset.Name, Table, PostgresExtractOutcome.NotDue, null, 0, 0, state.Base?.HighText, $"next extract after {checkedAt + every:u}");
        }

        var connection = ConnectionString();
        var conn = new NpgsqlConnection(connection);
        await using (conn.ConfigureAwait(false))
        {
            await OpenAsync(conn, cancellationToken).ConfigureAwait(false);
            TablePlan plan;
            try
            {
                plan = await TablePlan.ReadAsync(conn, dataset, source, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                throw new EtlException($"Dataset '{dataset.Name}': reading the catalog of {Table} failed: {(ex as PostgresException)?.MessageText ?? ex.Message}. Nothing was landed.", ex, ex.IsTransient);
            }

            var (landed, rows, skipped, mark) = await ReadAndLandAsync(conn, plan, state, now, cancellationToken).ConfigureAwait(false);
            if (landed is null)
            {
                if (source.Every is not null)
                {
                    await (state with { CheckedAt = now }).SaveAsync(store, stateKey, cancellationToken).ConfigureAwait(false);
                }

                return new PostgresExtractResult(dataset.Name, Table, PostgresExtractOutcome.NoNewRows, null, 0, skipped, state.Base?.HighText, null);
            }

            return new PostgresExtractResult(dataset.Name, Table, PostgresExtractOutcome.Extracted, landed, rows, skipped, mark!.HighText, null);
        }
    }

    /// <summary>
    /// Moves the committed watermark over every pending extract the manifest records (in order, stopping at the first it
    /// does not), and forgets pending extracts whose file never landed. Saves the state when it changed.
    /// </summary>
    public async Task<(ExtractState State, bool Advanced, string? Warning)> ReconcileAsync(Manifest manifest, CancellationToken cancellationToken)
    {
        var stateKey = ExtractState.KeyOf(dataset.Name);
        var loaded = await ExtractState.LoadAsync(store, stateKey, cancellationToken).ConfigureAwait(false);
        if (loaded is not null && (loaded.Table != Table || loaded.Watermark != source.WatermarkColumn))
        {
            throw new EtlException(
                $"Dataset '{dataset.Name}': {stateKey} holds the watermark of {loaded.Table} by {loaded.Watermark}, but the source now says {Table} by {source.WatermarkColumn}. "
                + $"To extract the new table or column in full, delete {stateKey} (rows extracted before stay in the lake).");
        }

        var state = loaded ?? new ExtractState(Table, source.WatermarkColumn, null, [], null);
        var pending = state.Pending.ToList();
        var committed = state.Committed;
        var advanced = false;
        string? warning = null;
        while (pending.Count > 0)
        {
            var p = pending[0];
            if (manifest.Latest.ContainsKey(p.Key))
            {
                committed = p.Mark;
                pending.RemoveAt(0);
                advanced = true;
                continue;
            }

            if (await store.GetInfoAsync(p.Key, cancellationToken).ConfigureAwait(false) is null)
            {
                // Its intent was saved but the file never landed (the process stopped in between), or it was deleted
                // before any run processed it: the next extract starts again from the last recorded one.
                if (pending.Count > 1)
                {
                    warning = $"{p.Key} was deleted before it was processed; it and the {pending.Count - 1} extract(s) after it are extracted again, and the rows of those later files, if still landed, arrive twice.";
                }

                pending.Clear();
                advanced = true;
            }

            break;
        }

        if (advanced)
        {
            state = state with { Committed = committed, Pending = pending };
            await state.SaveAsync(store, stateKey, cancellationToken).ConfigureAwait(false);
        }

        return (state, advanced && committed != loaded?.Committed, warning);
    }

    private async Task<(string? Landed, long Rows, long Skipped, ExtractMark? Mark)> ReadAndLandAsync(NpgsqlConnection conn, TablePlan plan, ExtractState state, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var wm = plan.Watermark;
        var lag = plan.LagOrdinal;
        var start = state.Base;
        var low = start is null ? (long?)null : start.High - lag;
        var select = string.Join(", ", plan.Columns.Select(c => c.Select(Row)));
        var keyList = string.Join(", ", plan.Key.Select(k => $"{Row}.{Sql.Q(k)}"));
        var sql = $"DECLARE {Cursor} NO SCROLL CURSOR FOR SELECT {select}, {Row}.{Sql.Q(wm.Name)} AS \"__etl_wm\", ROW({keyList})::text AS \"__etl_key\", md5({Row}::text) AS \"__etl_hash\" "
            + $"FROM {Sql.Q(source.Schema)}.{Sql.Q(source.Table)} {Row}"
            + (low is { } l ? $" WHERE {Row}.{Sql.Q(wm.Name)} > {wm.WatermarkLiteral(l)}" : "")
            + $" ORDER BY {Row}.{Sql.Q(wm.Name)}, {keyList}";

        var schema = new ParquetSchema(plan.Columns.Select(c => c.Field));
        var batch = new ColumnBatch(schema, source.PageRows);
        var tail = new Queue<(long Ordinal, string Key, string Hash)>();
        long high = start?.High ?? long.MinValue, rows = 0, skipped = 0;
        var key = await NewKeyAsync(now, cancellationToken).ConfigureAwait(false);
        ObjectWriteStream? write = null;
        ParquetFileWriter? writer = null;
        try
        {
            var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (tx.ConfigureAwait(false))
            {
                await ExecAsync(conn, "SET TRANSACTION READ ONLY", cancellationToken).ConfigureAwait(false);
                await ExecAsync(conn, sql, cancellationToken).ConfigureAwait(false);
                var wmOrdinal = plan.Columns.Count;
                for (var page = 1; ; page++)
                {
                    var read = 0;
                    var fetch = new NpgsqlCommand($"FETCH FORWARD {source.PageRows.ToString(CultureInfo.InvariantCulture)} FROM {Cursor}", conn);
                    await using (fetch.ConfigureAwait(false))
                    {
                        var reader = await fetch.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                read++;
                                // Sequential access: the row's columns are read in select order, then the three extras.
                                var appendedAt = batch[0].Count;
                                for (var i = 0; i < plan.Columns.Count; i++)
                                {
                                    plan.Columns[i].Append(reader, i, batch[i]);
                                }

                                var ordinal = wm.WatermarkOrdinal(reader, wmOrdinal);
                                var rowKey = reader.GetString(wmOrdinal + 1);
                                var hash = reader.GetString(wmOrdinal + 2);
                                high = Math.Max(high, ordinal);
                                tail.Enqueue((ordinal, rowKey, hash));
                                while (tail.Count > 0 && tail.Peek().Ordinal <= high - lag)
                                {
                                    tail.Dequeue();
                                }

                                if (start is not null && ordinal <= start.High && start.Seen.TryGetValue(rowKey, out var seen) && seen == hash)
                                {
                                    // This version was extracted before, inside the overlap window: not again.
                                    Rollback(batch, appendedAt);
                                    skipped++;
                                    continue;
                                }

                                rows++;
                            }
                        }
                    }

                    if (batch.RowCount > 0)
                    {
                        if (writer is null)
                        {
                            write = await store.OpenWriteAsync(key, WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                            writer = new ParquetFileWriter(write, schema, WriterOptions(plan, start), leaveOpen: true);
                        }

                        await writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                        batch.Clear();
                    }

                    if (options.AfterPage is { } afterPage)
                    {
                        await afterPage(dataset.Name, page).ConfigureAwait(false);
                    }

                    if (read < source.PageRows)
                    {
                        break;
                    }
                }

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            if (writer is null || rows == 0)
            {
                return (null, 0, skipped, null);
            }

            await writer.CloseAsync(cancellationToken).ConfigureAwait(false);
            var seenNow = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (ordinal, rowKey, hash) in tail)
            {
                if (ordinal > high - lag)
                {
                    seenNow[rowKey] = hash;
                }
            }

            var mark = new ExtractMark(high, wm.WatermarkText(high), seenNow);

            // The intent first, then the file: a process stopping in between leaves a pending extract with no file,
            // which the next run forgets; the other order could land a file the state does not know, extracted again.
            var stateKey = ExtractState.KeyOf(dataset.Name);
            var next = state with { Pending = [.. state.Pending, new PendingExtract(key, mark, rows, now)], CheckedAt = now };
            await next.SaveAsync(store, stateKey, cancellationToken).ConfigureAwait(false);
            if (options.BeforeLand is { } beforeLand)
            {
                await beforeLand(dataset.Name).ConfigureAwait(false);
            }

            await write!.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (key, rows, skipped, mark);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            throw new EtlException($"Dataset '{dataset.Name}': reading {Table} from the source database failed: {ex.Message}. Nothing was landed; the next run extracts from the same watermark.", ex, isTransient: true);
        }
        catch (PostgresException ex)
        {
            throw new EtlException($"Dataset '{dataset.Name}': reading {Table} failed: {ex.MessageText} (SQLSTATE {ex.SqlState}). Nothing was landed; the next run extracts from the same watermark.", ex, ex.IsTransient);
        }
        finally
        {
            writer?.Dispose();
            if (write is not null)
            {
                await write.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static void Rollback(ColumnBatch batch, int count)
    {
        foreach (var c in batch.Columns)
        {
            c.Truncate(count);
        }
    }

    private ParquetWriterOptions WriterOptions(TablePlan plan, ExtractMark? start)
    {
        var o = new ParquetWriterOptions { RowGroupMaxRows = Math.Max(source.PageRows, 131_072), RowGroupSizeBytes = 64L << 20 };
        o.KeyValueMetadata["etl.extract.table"] = Table;
        o.KeyValueMetadata["etl.extract.watermark"] = plan.Watermark.Name;
        o.KeyValueMetadata["etl.extract.after"] = start is null ? "(first extract)" : start.HighText;
        return o;
    }

    private async Task<string> NewKeyAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Extract ids sort by time, so the landed files (and the warehouse loads that follow key order) stay in extract order.
        for (var t = now.UtcDateTime; ; t = t.AddMilliseconds(1))
        {
            var key = source.Landing + t.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + ".parquet";
            if (await store.GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null)
            {
                return key;
            }
        }
    }

    private string ConnectionString()
    {
        var cs = Environment.GetEnvironmentVariable(source.ConnectionEnv);
        if (string.IsNullOrWhiteSpace(cs))
        {
            throw new EtlException($"Dataset '{dataset.Name}': the environment variable {source.ConnectionEnv} (source.postgres) is not set; set it to the Npgsql connection string of the source database, e.g. 'Host=db;Database=shop;Username=etl_reader'.");
        }

        return cs;
    }

    private async Task OpenAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        try
        {
            await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException or TimeoutException)
        {
            // The connection string is never put in a message: it may hold a password.
            throw new EtlException($"Dataset '{dataset.Name}': cannot connect to the source database named by {source.ConnectionEnv}: {ex.Message}", ex, isTransient: ex is not ArgumentException);
        }
    }

    internal static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken cancellationToken)
    {
        var cmd = new NpgsqlCommand(sql, conn);
        await using (cmd.ConfigureAwait(false))
        {
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
