using Etl.Core.Definition;
using Npgsql;

namespace Etl.Sources.Postgres;

/// <summary>What is extracted from a table, from the source database's catalog: the columns and their Parquet types, the watermark, the key, the lag.</summary>
internal sealed record TablePlan(IReadOnlyList<SourceColumn> Columns, SourceColumn Watermark, IReadOnlyList<string> Key, long LagOrdinal)
{
    /// <summary>The overlap when none is written: five minutes for a time watermark (longer than most transactions stay open), 1,000 ids for an integer one.</summary>
    public static readonly TimeSpan DefaultLagTime = TimeSpan.FromMinutes(5);

    /// <summary>The id overlap when none is written.</summary>
    public const long DefaultLagIds = 1000;

    public static async Task<TablePlan> ReadAsync(NpgsqlConnection conn, DatasetDefinition dataset, PostgresSourceDefinition source, CancellationToken cancellationToken)
    {
        var where = $"Dataset '{dataset.Name}', source table {source.Schema}.{source.Table}";
        var all = new List<(SourceColumn Column, bool NotNull)>();
        var pk = new List<string>();
        var cmd = new NpgsqlCommand("""
            SELECT a.attname, t.typname, a.atttypmod, a.attnotnull,
                   coalesce(array_position((SELECT i.indkey::int2[] FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), a.attnum), -1)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE n.nspname = $1 AND c.relname = $2
            ORDER BY a.attnum
            """, conn);
        await using (cmd.ConfigureAwait(false))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = source.Schema });
            cmd.Parameters.Add(new NpgsqlParameter { Value = source.Table });
            var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var pkAt = new SortedList<int, string>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var name = reader.GetString(0);
                    all.Add((SourceColumn.Map(name, reader.GetString(1), reader.GetInt32(2)), reader.GetBoolean(3)));
                    // int2vector subscripts start at 0.
                    if (reader.GetInt32(4) is >= 0 and var position)
                    {
                        pkAt[position] = name;
                    }
                }

                pk.AddRange(pkAt.Values);
            }
        }

        if (all.Count == 0)
        {
            throw new EtlException($"{where}: no such table or view in the source database (or the user of {source.ConnectionEnv} may not see it). Names are matched exactly as written: an unquoted CREATE TABLE makes them lower case.");
        }

        (SourceColumn Column, bool NotNull)? Find(string name) => all.Find(c => c.Column.Name == name) is { Column: not null } f ? f : null;
        string Names() => string.Join(", ", all.Select(c => c.Column.Name));

        if (Find(source.WatermarkColumn) is not { } wm)
        {
            throw new EtlException($"{where}: watermark column '{source.WatermarkColumn}' does not exist; the table has: {Names()}.");
        }

        if (!wm.Column.CanBeWatermark)
        {
            throw new EtlException($"{where}: watermark column '{source.WatermarkColumn}' is {wm.Column.TypeName}; it must be a timestamp, timestamptz or date set by every insert and update, or an increasing integer id.");
        }

        if (!wm.NotNull)
        {
            // A row with a NULL watermark would never be extracted: say so rather than lose it quietly.
            throw new EtlException($"{where}: watermark column '{source.WatermarkColumn}' allows NULL, and rows with NULL would never be extracted. Make it NOT NULL (with a default such as now()), or choose another column.");
        }

        var key = source.Key.Count > 0 ? source.Key : pk;
        if (key.Count == 0)
        {
            throw new EtlException($"{where}: the table has no primary key; name the columns that identify a row with 'key: [id]'.");
        }

        foreach (var k in key)
        {
            if (Find(k) is null)
            {
                throw new EtlException($"{where}: key column '{k}' does not exist; the table has: {Names()}.");
            }
        }

        var columns = new List<SourceColumn>();
        if (source.Columns.Count == 0)
        {
            columns.AddRange(all.Select(c => c.Column));
        }
        else
        {
            foreach (var name in source.Columns)
            {
                columns.Add(Find(name)?.Column ?? throw new EtlException($"{where}: column '{name}' (source.columns) does not exist; the table has: {Names()}."));
            }
        }

        return new TablePlan(columns, wm.Column, key, LagOf(wm.Column, source, where));
    }

    private static long LagOf(SourceColumn wm, PostgresSourceDefinition source, string where)
    {
        if (wm.IsTimeWatermark)
        {
            if (source.LagIds is > 0)
            {
                throw new EtlException($"{where}: watermark '{wm.Name}' is a {wm.TypeName}, so 'lag' is a duration such as 5m, not a number of ids.");
            }

            var lag = source.LagIds == 0 ? TimeSpan.Zero : source.LagTime ?? DefaultLagTime;
            return wm.Kind == ValueKind.Date ? (long)Math.Ceiling(lag.TotalDays) : lag.Ticks;
        }

        if (source.LagTime is not null)
        {
            throw new EtlException($"{where}: watermark '{wm.Name}' is an integer id, so 'lag' is a number of ids (e.g. lag: 1000), not a duration.");
        }

        return source.LagIds ?? DefaultLagIds;
    }
}
