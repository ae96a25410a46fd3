using System.Text.Json;

namespace Etl.Testing;

/// <summary>
/// DuckDB as an independent reader: runs SQL through eng/duckdb-query.mjs with Node and returns the result.
/// DECIMAL and BIGINT values come back as strings, DATE as 'yyyy-MM-dd'.
/// </summary>
public static class DuckDb
{
    /// <summary>Runs <paramref name="sql"/> (several statements allowed; the last one's rows are returned).</summary>
    public static async Task<DuckDbResult> QueryAsync(string sql, CancellationToken cancellationToken = default)
    {
        string stdout;
        try
        {
            stdout = await NodeScript.RunAsync("duckdb-query.mjs", [], sql, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"DuckDB failed: {ex.Message}\nSQL: {sql}", ex);
        }

        using var doc = JsonDocument.Parse(stdout);
        var columns = new List<DuckDbColumn>();
        foreach (var c in doc.RootElement.GetProperty("columns").EnumerateArray())
        {
            columns.Add(new DuckDbColumn(c.GetProperty("name").GetString()!, c.GetProperty("type").GetString()!));
        }

        var rows = new List<IReadOnlyDictionary<string, JsonElement>>();
        foreach (var r in doc.RootElement.GetProperty("rows").EnumerateArray())
        {
            var row = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var p in r.EnumerateObject())
            {
                row[p.Name] = p.Value.Clone();
            }

            rows.Add(row);
        }

        return new DuckDbResult(columns, rows);
    }

    /// <summary>Runs a query returning one value, as text (null for SQL NULL).</summary>
    public static async Task<string?> ScalarAsync(string sql, CancellationToken cancellationToken = default)
    {
        var result = await QueryAsync(sql, cancellationToken);
        var v = result.Rows[0][result.Columns[0].Name];
        return v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => v.GetString(),
            _ => v.GetRawText(),
        };
    }

    /// <summary>Quotes a file path as a SQL string literal.</summary>
    public static string Literal(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>A DuckDB result column.</summary>
public sealed record DuckDbColumn(string Name, string Type);

/// <summary>A DuckDB result.</summary>
public sealed record DuckDbResult(IReadOnlyList<DuckDbColumn> Columns, IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> Rows);
