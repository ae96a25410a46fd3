using System.Globalization;
using System.Text;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Parquet;
using Etl.Storage;

namespace Etl.Core.Catalog;

/// <summary>
/// Writes a small catalog under <c>_meta/catalog/</c> that makes each dataset with output a table at once, with no
/// crawler: <c>duckdb.sql</c> (views over <c>processed/</c> with hive partitioning), <c>athena.sql</c> (Athena / Glue
/// external tables with every partition added) and <c>synapse.sql</c> (Synapse serverless SQL / Fabric views over
/// OPENROWSET). Each file is rewritten whole from the definition and a listing of <c>processed/</c>, so it is the same
/// bytes whenever the lake is the same, and a rerun after a crash repairs it.
/// </summary>
public sealed class LakeCatalog(PipelineDefinition definition, IObjectStore store)
{
    /// <summary>Where the catalog files go.</summary>
    public const string Prefix = "_meta/catalog/";

    /// <summary>Partitions per Athena ALTER TABLE statement (its query text is limited in size).</summary>
    private const int PartitionsPerStatement = 100;

    /// <summary>Lists <c>processed/</c> and writes the three catalog files, locating the lake by the store's description.</summary>
    public Task WriteAsync(CancellationToken cancellationToken = default) => WriteAsync(store.Description, cancellationToken);

    /// <summary>
    /// Lists <c>processed/</c> and writes the three catalog files. <paramref name="lakeRoot"/> is the lake's location
    /// as the engines should see it: a folder path (made absolute), <c>s3://bucket/prefix</c>, <c>az://</c> or an https
    /// Blob URL; a query string (a SAS token) is never written.
    /// </summary>
    public async Task WriteAsync(string lakeRoot, CancellationToken cancellationToken = default)
    {
        var root = Root(lakeRoot);
        var datasets = new List<DatasetCatalog>();
        var binder = new TransformBinder(definition, store);
        foreach (var ds in definition.Datasets)
        {
            var partitions = new SortedSet<string>(StringComparer.Ordinal);
            var any = false;
            var prefix = $"processed/{ds.Name}/";
            await foreach (var o in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                if (!o.Key.EndsWith(".parquet", StringComparison.Ordinal))
                {
                    continue;
                }

                any = true;
                var folder = o.Key[prefix.Length..];
                var slash = folder.LastIndexOf('/');
                partitions.Add(slash < 0 ? "" : folder[..slash]);
            }

            var chain = await binder.BindAsync(ds, new Dictionary<string, DateOnly>(), cancellationToken).ConfigureAwait(false);
            var schema = chain?.OutputSchema ?? TransformBinder.TypedSchema(ds);
            datasets.Add(new DatasetCatalog(ds, schema, any, [.. partitions]));
        }

        await PutAsync("duckdb.sql", DuckDb(root, datasets), cancellationToken).ConfigureAwait(false);
        await PutAsync("athena.sql", Athena(root, datasets), cancellationToken).ConfigureAwait(false);
        await PutAsync("synapse.sql", Synapse(root, datasets), cancellationToken).ConfigureAwait(false);
    }

    private Task PutAsync(string name, string text, CancellationToken cancellationToken) =>
        store.PutAsync(Prefix + name, Encoding.UTF8.GetBytes(text), WriteCondition.None, cancellationToken);

    private static string Root(string lakeRoot)
    {
        var root = lakeRoot;
        var query = root.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            root = root[..query];
        }

        if (!root.Contains("://", StringComparison.Ordinal))
        {
            root = Path.GetFullPath(root).Replace('\\', '/');
        }

        return root.TrimEnd('/');
    }

    private string Header(string engine) =>
        $"-- {engine} catalog of pipeline '{definition.Name}', written by etl after each commit; edits are overwritten.\n";

    private string DuckDb(string root, List<DatasetCatalog> datasets)
    {
        var sb = new StringBuilder(Header("DuckDB"));
        sb.Append("-- Run it in a DuckDB session (.read duckdb.sql, or paste it); an s3:// or az:// lake needs the httpfs / azure extension and a secret.\n");
        foreach (var d in datasets)
        {
            sb.Append('\n');
            if (!d.HasFiles)
            {
                sb.Append("-- ").Append(d.Dataset.Name).Append(": no output yet.\n");
                continue;
            }

            sb.Append("CREATE OR REPLACE VIEW ").Append(QuoteDouble(d.Dataset.Name)).Append(" AS\nSELECT * FROM read_parquet(")
                .Append(QuoteSingle($"{root}/processed/{d.Dataset.Name}/**/*.parquet"))
                .Append(", hive_partitioning = true, union_by_name = true");
            if (d.Dataset.PartitionBy.Count > 0)
            {
                // Declared, not guessed: a partner called 007 stays text, and years are integers.
                sb.Append(", hive_types = {");
                for (var k = 0; k < d.Dataset.PartitionBy.Count; k++)
                {
                    var key = d.Dataset.PartitionBy[k];
                    sb.Append(k == 0 ? "" : ", ").Append(QuoteSingle(key.Name)).Append(": ").Append(DuckDbType(PartitionField(d, key)));
                }

                sb.Append('}');
            }

            sb.Append(");\n");
        }

        return sb.ToString();
    }

    private string Athena(string root, List<DatasetCatalog> datasets)
    {
        var sb = new StringBuilder(Header("Amazon Athena / AWS Glue"));
        sb.Append("-- Run it in the Athena database of your choice. Every partition is added explicitly, so no crawler or MSCK REPAIR is needed.\n");
        foreach (var d in datasets)
        {
            sb.Append('\n');
            if (!d.HasFiles)
            {
                sb.Append("-- ").Append(d.Dataset.Name).Append(": no output yet.\n");
                continue;
            }

            var location = $"{root}/processed/{d.Dataset.Name}/";
            var name = QuoteBacktick(d.Dataset.Name);
            sb.Append("CREATE EXTERNAL TABLE IF NOT EXISTS ").Append(name).Append(" (\n");
            var first = true;
            foreach (var f in d.Schema.Fields)
            {
                // Athena's partition columns come from the path and may not repeat a data column.
                if (IsPartitionKey(d.Dataset, f.Name))
                {
                    continue;
                }

                sb.Append(first ? "  " : ",\n  ").Append(QuoteBacktick(f.Name)).Append(' ').Append(AthenaType(f));
                first = false;
            }

            sb.Append("\n)\n");
            if (d.Dataset.PartitionBy.Count > 0)
            {
                sb.Append("PARTITIONED BY (");
                for (var k = 0; k < d.Dataset.PartitionBy.Count; k++)
                {
                    var key = d.Dataset.PartitionBy[k];
                    sb.Append(k == 0 ? "" : ", ").Append(QuoteBacktick(key.Name)).Append(' ').Append(AthenaType(PartitionField(d, key)));
                }

                sb.Append(")\n");
            }

            sb.Append("STORED AS PARQUET\nLOCATION ").Append(QuoteSingle(location)).Append(";\n");
            if (d.Dataset.PartitionBy.Count == 0)
            {
                continue;
            }

            for (var start = 0; start < d.Partitions.Count; start += PartitionsPerStatement)
            {
                sb.Append("ALTER TABLE ").Append(name).Append(" ADD IF NOT EXISTS");
                for (var p = start; p < Math.Min(start + PartitionsPerStatement, d.Partitions.Count); p++)
                {
                    var folder = d.Partitions[p];
                    sb.Append("\n  PARTITION (");
                    var parts = folder.Split('/');
                    for (var i = 0; i < parts.Length; i++)
                    {
                        var eq = parts[i].IndexOf('=', StringComparison.Ordinal);
                        sb.Append(i == 0 ? "" : ", ").Append(QuoteBacktick(parts[i][..eq])).Append(" = ")
                            .Append(QuoteSingle(Uri.UnescapeDataString(parts[i][(eq + 1)..])));
                    }

                    sb.Append(") LOCATION ").Append(QuoteSingle(location + folder + "/"));
                }

                sb.Append(";\n");
            }
        }

        return sb.ToString();
    }

    private string Synapse(string root, List<DatasetCatalog> datasets)
    {
        var sb = new StringBuilder(Header("Azure Synapse serverless SQL / Microsoft Fabric"));
        var https = root.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || root.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
        sb.Append("-- Views over OPENROWSET; partition values come from the path with filepath(). Create the data source once")
            .Append(https ? "" : $" (this lake is {root}: give the https URL of its container)")
            .Append(", with a CREDENTIAL if the workspace identity cannot read it:\n")
            .Append("-- CREATE EXTERNAL DATA SOURCE [etl_lake] WITH (LOCATION = ")
            .Append(QuoteSingle(https ? root : "https://<account>.dfs.core.windows.net/<container>/<prefix>"))
            .Append(");\n");
        foreach (var d in datasets)
        {
            sb.Append('\n');
            if (!d.HasFiles)
            {
                sb.Append("-- ").Append(d.Dataset.Name).Append(": no output yet.\n");
                continue;
            }

            var bulk = new StringBuilder($"processed/{d.Dataset.Name}/");
            foreach (var key in d.Dataset.PartitionBy)
            {
                bulk.Append(key.Name).Append("=*/");
            }

            bulk.Append("*.parquet");
            sb.Append("CREATE OR ALTER VIEW ").Append(QuoteBracket(d.Dataset.Name)).Append(" AS\nSELECT r.*");
            for (var k = 0; k < d.Dataset.PartitionBy.Count; k++)
            {
                var key = d.Dataset.PartitionBy[k];
                if (key.Source == PartitionSource.Column)
                {
                    continue; // in the file already
                }

                var path = $"r.filepath({(k + 1).ToString(CultureInfo.InvariantCulture)})";
                sb.Append(", ").Append(key.Source == PartitionSource.Capture ? path : $"TRY_CAST({path} AS int)").Append(" AS ").Append(QuoteBracket(key.Name));
            }

            sb.Append("\nFROM OPENROWSET(BULK ").Append(QuoteSingle(bulk.ToString())).Append(", DATA_SOURCE = 'etl_lake', FORMAT = 'PARQUET')\nWITH (");
            var first = true;
            foreach (var f in d.Schema.Fields)
            {
                sb.Append(first ? "" : ", ").Append(QuoteBracket(f.Name)).Append(' ').Append(SynapseType(f));
                first = false;
            }

            sb.Append(") AS r;\n");
        }

        return sb.ToString();
    }

    private static bool IsPartitionKey(DatasetDefinition ds, string column)
    {
        foreach (var key in ds.PartitionBy)
        {
            if (key.Source == PartitionSource.Column && key.Name.Equals(column, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The type of a partition key's values: the column's, text for a capture, a whole number for year/month/day.</summary>
    private static ParquetField PartitionField(DatasetCatalog d, PartitionKey key) => key.Source switch
    {
        PartitionSource.Column => d.Dataset.Columns[key.Column].Field,
        PartitionSource.Capture => new ParquetField(key.Name, ParquetType.String),
        _ => new ParquetField(key.Name, ParquetType.Int32),
    };

    private static string DuckDbType(ParquetField f) => f.Type switch
    {
        ParquetType.Int32 => "INTEGER",
        ParquetType.Int64 => "BIGINT",
        ParquetType.Double => "DOUBLE",
        ParquetType.Boolean => "BOOLEAN",
        ParquetType.Date => "DATE",
        ParquetType.Timestamp => "TIMESTAMPTZ",
        ParquetType.Decimal => $"DECIMAL({f.Precision.ToString(CultureInfo.InvariantCulture)},{f.Scale.ToString(CultureInfo.InvariantCulture)})",
        _ => "VARCHAR",
    };

    private static string AthenaType(ParquetField f) => f.Type switch
    {
        ParquetType.Int32 => "int",
        ParquetType.Int64 => "bigint",
        ParquetType.Double => "double",
        ParquetType.Boolean => "boolean",
        ParquetType.Date => "date",
        ParquetType.Timestamp => "timestamp",
        ParquetType.Decimal => $"decimal({f.Precision.ToString(CultureInfo.InvariantCulture)},{f.Scale.ToString(CultureInfo.InvariantCulture)})",
        _ => "string",
    };

    private static string SynapseType(ParquetField f) => f.Type switch
    {
        ParquetType.Int32 => "int",
        ParquetType.Int64 => "bigint",
        ParquetType.Double => "float",
        ParquetType.Boolean => "bit",
        ParquetType.Date => "date",
        ParquetType.Timestamp => "datetime2(6)",
        ParquetType.Decimal => $"decimal({f.Precision.ToString(CultureInfo.InvariantCulture)},{f.Scale.ToString(CultureInfo.InvariantCulture)})",

        // Parquet strings are UTF-8; this collation reads them without conversion (Microsoft's advice for OPENROWSET).
        _ => "varchar(8000) COLLATE Latin1_General_100_BIN2_UTF8",
    };

    private static string QuoteSingle(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string QuoteDouble(string s) => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string QuoteBacktick(string s) => "`" + s.Replace("`", "``", StringComparison.Ordinal) + "`";

    private static string QuoteBracket(string s) => "[" + s.Replace("]", "]]", StringComparison.Ordinal) + "]";

    private sealed record DatasetCatalog(DatasetDefinition Dataset, ParquetSchema Schema, bool HasFiles, List<string> Partitions);
}
