using System.Text;
using Etl.Parquet;

namespace Etl.Warehouse;

/// <summary>Generates the DDL and merge statements of one dataset from its declaration and the staged schema. Identifiers only; values are parameters.</summary>
internal sealed class MergeSql
{
    private const string Stg = "s";
    private readonly WarehouseDataset _ds;
    private readonly Dictionary<string, StagingColumn> _cols;

    public MergeSql(WarehouseDataset dataset, ParquetSchema schema)
    {
        _ds = dataset;
        Columns = [.. schema.Fields.Select((f, i) => new StagingColumn(f, i))];
        _cols = Columns.ToDictionary(c => c.Field.Name, StringComparer.Ordinal);
        foreach (var name in NeededColumns())
        {
            if (!_cols.ContainsKey(name))
            {
                throw new WarehouseConfigurationException(
                    $"warehouse[{dataset.Dataset}]: column '{name}' is declared but the Parquet file has no such column (it has: {string.Join(", ", schema.Fields.Select(f => f.Name))}).");
            }
        }

        if (dataset.DateColumn is not null && _cols[dataset.DateColumn].Field.Type != ParquetType.Date)
        {
            throw new WarehouseConfigurationException($"warehouse[{dataset.Dataset}].date_column: '{dataset.DateColumn}' must be a DATE column.");
        }

        foreach (var f in schema.Fields)
        {
            Identifiers.Check(f.Name, $"warehouse[{dataset.Dataset}] Parquet column");
        }
    }

    /// <summary>All staged columns (every Parquet field).</summary>
    public IReadOnlyList<StagingColumn> Columns { get; }

    public string Fact => "warehouse." + Identifiers.Q(_ds.FactTable ?? throw new InvalidOperationException("The dataset has no fact."));

    public static string Dim(WarehouseDimension d) => "warehouse." + Identifiers.Q(d.Table);

    public static string KeyColumn(WarehouseDimension d) => Identifiers.Q(d.Table + "_key");

    public string CreateStaging(string table) =>
        $"CREATE TEMP TABLE {table} ({string.Join(", ", Columns.Select(c => $"{Identifiers.Q(c.Field.Name)} {c.StagingType}"))}) ON COMMIT PRESERVE ROWS";

    public string CopyCommand(string table) =>
        $"COPY {table} ({string.Join(", ", Columns.Select(c => Identifiers.Q(c.Field.Name)))}) FROM STDIN (FORMAT BINARY)";

    /// <summary>CREATE TABLE IF NOT EXISTS for dimensions and fact (dataset tables follow the data's types, so they are created at first load).</summary>
    public string CreateTables()
    {
        var sb = new StringBuilder();
        foreach (var d in _ds.Dimensions.Where(d => !d.IsReference))
        {
            var cols = string.Join(", ", d.NaturalKey.Concat(d.Attributes).Select(c => $"{Identifiers.Q(c)} {_cols[c].WarehouseType}"));
            var nk = string.Join(", ", d.NaturalKey.Select(Identifiers.Q));
            if (d.Scd == ScdType.Type1)
            {
                sb.Append($"CREATE TABLE IF NOT EXISTS {Dim(d)} ({KeyColumn(d)} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {cols}, UNIQUE NULLS NOT DISTINCT ({nk}));\n");
            }
            else
            {
                sb.Append($"CREATE TABLE IF NOT EXISTS {Dim(d)} ({KeyColumn(d)} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {cols}, valid_from timestamptz NOT NULL, valid_to timestamptz, is_current boolean NOT NULL GENERATED ALWAYS AS (valid_to IS NULL) STORED);\n");
                sb.Append($"CREATE UNIQUE INDEX IF NOT EXISTS {Identifiers.Q(d.Table + "_current")} ON {Dim(d)} ({nk}) NULLS NOT DISTINCT WHERE valid_to IS NULL;\n");
            }
        }

        if (_ds.FactTable is null)
        {
            return sb.ToString();
        }

        var factCols = new List<string> { "source_id text NOT NULL" };
        factCols.AddRange(KeyAndVersion().Where(c => !_ds.Measures.Contains(c)).Select(c => $"{Identifiers.Q(c)} {_cols[c].WarehouseType}"));
        factCols.AddRange(_ds.Dimensions.Select(d => $"{KeyColumn(d)} bigint"));
        if (_ds.DateColumn is not null)
        {
            factCols.Add("date_key integer");
        }

        factCols.AddRange(_ds.Measures.Select(m => $"{Identifiers.Q(m)} {_cols[m].WarehouseType}"));
        sb.Append($"CREATE TABLE IF NOT EXISTS {Fact} ({string.Join(", ", factCols)});\n");
        sb.Append($"CREATE INDEX IF NOT EXISTS {Identifiers.Q(_ds.FactTable + "_source")} ON {Fact} (source_id);\n");
        if (_ds.FactKey.Count > 0)
        {
            sb.Append($"CREATE UNIQUE INDEX IF NOT EXISTS {Identifiers.Q(_ds.FactTable + "_key")} ON {Fact} ({string.Join(", ", _ds.FactKey.Select(Identifiers.Q))});\n");
        }

        return sb.ToString();
    }

    /// <summary>Statements of the merge transaction, in order; $1 = source id where used.</summary>
    public IEnumerable<(string Sql, bool UsesSourceId)> MergeStatements(string staging)
    {
        if (_ds.DateColumn is not null)
        {
            var dc = _cols[_ds.DateColumn].Read(Stg);
            yield return ($"""
                INSERT INTO warehouse.dim_date (date_key, "date", "year", quarter, "month", "day", month_start, iso_week, day_of_week, is_weekend)
                SELECT (extract(year FROM d) * 10000 + extract(month FROM d) * 100 + extract(day FROM d))::integer, d,
                       extract(year FROM d), extract(quarter FROM d), extract(month FROM d), extract(day FROM d),
                       date_trunc('month', d)::date, extract(week FROM d), extract(isodow FROM d), extract(isodow FROM d) >= 6
                FROM (SELECT DISTINCT {dc} AS d FROM {staging} {Stg} WHERE {dc} IS NOT NULL) x
                ON CONFLICT (date_key) DO NOTHING
                """, false);
        }

        foreach (var d in _ds.Dimensions.Where(d => !d.IsReference))
        {
            var all = d.NaturalKey.Concat(d.Attributes).ToList();
            var sel = string.Join(", ", all.Select(c => $"{_cols[c].Read(Stg)} AS {Identifiers.Q(c)}"));
            var nkRead = string.Join(", ", d.NaturalKey.Select(c => _cols[c].Read(Stg)));
            var list = string.Join(", ", all.Select(Identifiers.Q));
            var nkMatch = string.Join(" AND ", d.NaturalKey.Select(c => NullSafeEquals($"t.{Identifiers.Q(c)}", $"n.{Identifiers.Q(c)}", _cols[c])));
            var attrsDiffer = d.Attributes.Count == 0
                ? "false"
                : $"({string.Join(", ", d.Attributes.Select(c => "t." + Identifiers.Q(c)))}) IS DISTINCT FROM ({string.Join(", ", d.Attributes.Select(c => "n." + Identifiers.Q(c)))})";

            // One row per natural key: the last row of the file wins (ctid order = COPY order in a fresh temp table). The
            // last row of each key is found by hashing (max(ctid) per key) and fetched by TID, not by sorting the whole
            // staging table per dimension as DISTINCT ON did. GROUP BY, like DISTINCT ON, puts NULL keys together.
            var members = $"(SELECT {sel} FROM {staging} {Stg} WHERE {Stg}.ctid = ANY (ARRAY(SELECT max({Stg}.ctid) FROM {staging} {Stg} GROUP BY {nkRead})))";
            if (d.Scd == ScdType.Type1)
            {
                var set = d.Attributes.Count == 0
                    ? "NOTHING"
                    : "UPDATE SET " + string.Join(", ", d.Attributes.Select(c => $"{Identifiers.Q(c)} = EXCLUDED.{Identifiers.Q(c)}"))
                      + $" WHERE ({string.Join(", ", d.Attributes.Select(c => $"{Dim(d)}.{Identifiers.Q(c)}"))}) IS DISTINCT FROM ({string.Join(", ", d.Attributes.Select(c => "EXCLUDED." + Identifiers.Q(c)))})";
                var conflict = d.Attributes.Count == 0 ? "DO NOTHING" : "DO " + set;
                yield return ($"INSERT INTO {Dim(d)} ({list}) SELECT {list} FROM {members} n ON CONFLICT ({string.Join(", ", d.NaturalKey.Select(Identifiers.Q))}) {conflict}", false);
            }
            else
            {
                yield return ($"UPDATE {Dim(d)} t SET valid_to = now() FROM {members} n WHERE t.valid_to IS NULL AND {nkMatch} AND {attrsDiffer}", false);
                yield return ($"""
                    INSERT INTO {Dim(d)} ({list}, valid_from)
                    SELECT {string.Join(", ", all.Select(c => "n." + Identifiers.Q(c)))}, now() FROM {members} n
                    WHERE NOT EXISTS (SELECT 1 FROM {Dim(d)} t WHERE t.valid_to IS NULL AND {nkMatch})
                    """, false);
            }
        }

        if (_ds.FactTable is null)
        {
            yield break;
        }

        yield return ($"DELETE FROM {Fact} WHERE source_id = $1", true);
        string? latestOnly = null;
        if (_ds.FactKey.Count > 0)
        {
            // A row of this file replaces the fact row of its key from any earlier file (an OLTP row updated since), unless
            // that one is a newer version; within the file, the last row of a key wins, as for dimensions.
            var keyRead = string.Join(", ", _ds.FactKey.Select(c => _cols[c].Read(Stg)));
            latestOnly = $"{Stg}.ctid = ANY (ARRAY(SELECT max({Stg}.ctid) FROM {staging} {Stg} GROUP BY {keyRead}))";
            var match = string.Join(" AND ", _ds.FactKey.Select(c => $"f.{Identifiers.Q(c)} = {_cols[c].Read(Stg)}"));
            var newer = _ds.FactVersion is { } v ? $" AND f.{Identifiers.Q(v)} <= {_cols[v].Read(Stg)}" : "";
            yield return ($"DELETE FROM {Fact} f USING {staging} {Stg} WHERE {latestOnly} AND {match}{newer}", false);
            latestOnly += $" AND NOT EXISTS (SELECT 1 FROM {Fact} f WHERE {match})";
        }

        var insertCols = new List<string> { "source_id" };
        var selectCols = new List<string> { "$1" };
        var joins = new StringBuilder();
        var i = 0;
        foreach (var d in _ds.Dimensions)
        {
            var a = "d" + i++.ToString(System.Globalization.CultureInfo.InvariantCulture);
            insertCols.Add(KeyColumn(d));
            selectCols.Add($"{a}.{KeyColumn(d)}");
            var on = string.Join(" AND ", d.NaturalKey.Select(c => NullSafeEquals($"{a}.{Identifiers.Q(c)}", _cols[c].Read(Stg), _cols[c])));
            if (d.Scd == ScdType.Type2)
            {
                on += $" AND {a}.valid_to IS NULL";
            }

            joins.Append($" LEFT JOIN {Dim(d)} {a} ON {on}");
        }

        if (_ds.DateColumn is not null)
        {
            // The key dim_date was just given for the date (a small hash join): cheaper than computing it per row with
            // extract(), which is numeric arithmetic, and the same key by construction.
            var dc = _cols[_ds.DateColumn].Read(Stg);
            insertCols.Add("date_key");
            selectCols.Add("dk.date_key");
            joins.Append($" LEFT JOIN warehouse.dim_date dk ON dk.\"date\" = {dc}");
        }

        foreach (var c in KeyAndVersion().Where(c => !_ds.Measures.Contains(c)).Concat(_ds.Measures))
        {
            insertCols.Add(Identifiers.Q(c));
            selectCols.Add(_cols[c].Read(Stg));
        }

        var where = latestOnly is null ? "" : " WHERE " + latestOnly;
        yield return ($"INSERT INTO {Fact} ({string.Join(", ", insertCols)}) SELECT {string.Join(", ", selectCols)} FROM {staging} {Stg}{joins}{where}", true);
    }

    /// <summary>CREATE OR REPLACE VIEW statements of the dataset's marts.</summary>
    /// <summary>NULL-equals-NULL comparison that still allows a hash join (see <see cref="StagingColumn.NullStandIn"/>).</summary>
    private static string NullSafeEquals(string left, string right, StagingColumn column) =>
        $"coalesce({left}, {column.NullStandIn}) = coalesce({right}, {column.NullStandIn}) AND {left} IS NOT DISTINCT FROM {right}";

    public IEnumerable<string> MartViews()
    {
        foreach (var mart in _ds.FactTable is null ? [] : _ds.Marts ?? [])
        {
            var d = _ds.Dimensions.First(x => x.Table == mart.Dimension);
            var attrs = d.NaturalKey.Concat(d.Scd == ScdType.Type1 ? d.Attributes : []).ToList();
            var dimSel = string.Join(", ", attrs.Select(c => "dm." + Identifiers.Q(c)));
            var m = Identifiers.Q(mart.Measure);
            var top = mart.TopPerformer
                ? ", rank() OVER (PARTITION BY g.month ORDER BY g.total DESC) AS rank_in_month, rank() OVER (PARTITION BY g.month ORDER BY g.total DESC) = 1 AS is_top_performer"
                : string.Empty;
            yield return $"""
                CREATE OR REPLACE VIEW analytics.{Identifiers.Q(mart.Name)} AS
                SELECT g.*{top} FROM (
                    SELECT {dimSel}, dd.month_start AS month, sum(f.{m}) AS total, count(*) AS fact_rows
                    FROM {Fact} f
                    JOIN {Dim(d)} dm ON dm.{KeyColumn(d)} = f.{KeyColumn(d)}
                    JOIN warehouse.dim_date dd ON dd.date_key = f.date_key
                    GROUP BY {dimSel}, dd.month_start) g
                """;
        }
    }

    private IEnumerable<string> NeededColumns()
    {
        foreach (var m in _ds.Measures)
        {
            yield return m;
        }

        foreach (var d in _ds.Dimensions)
        {
            foreach (var c in d.IsReference ? d.NaturalKey : d.NaturalKey.Concat(d.Attributes))
            {
                yield return c;
            }
        }

        foreach (var c in KeyAndVersion())
        {
            yield return c;
        }

        if (_ds.DateColumn is not null)
        {
            yield return _ds.DateColumn;
        }
    }

    private IEnumerable<string> KeyAndVersion()
    {
        foreach (var k in _ds.FactKey)
        {
            yield return k;
        }

        if (_ds.FactVersion is { } v && !_ds.FactKey.Contains(v))
        {
            yield return v;
        }
    }
}
