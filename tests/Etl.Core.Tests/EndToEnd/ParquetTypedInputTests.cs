using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.EndToEnd;

/// <summary>
/// Parquet input's typed path (native values moved into the batch without text) against the text path's rules: the
/// same rows, written by DuckDB once as Parquet with native types and once as CSV, run through two datasets declared
/// alike; the outputs must hold the same values and the rejects the same rows, columns and reasons.
/// </summary>
public sealed class ParquetTypedInputTests : IDisposable
{
    private const int Rows = 3000;

    /// <summary>Declared columns, with the Parquet type each is read from (some pairs reject, some convert).</summary>
    private const string Columns = """
              - { name: id,     type: int64, required: true }
              - { name: i32,    type: int32 }
              - { name: big,    type: int32 }
              - { name: tiny,   type: int32 }
              - { name: usmall, type: int64 }
              - { name: uint,   type: int32 }
              - { name: ubig,   type: int64 }
              - { name: i2d,    type: double }
              - { name: i2m,    type: "decimal(5,2)" }
              - { name: day,    type: date }
              - { name: ts,     type: timestamp }
              - { name: ts_ms,  type: timestamp }
              - { name: ts_ns,  type: timestamp }
              - { name: tstz,   type: timestamp }
              - { name: dbl,    type: double }
              - { name: flt,    type: double }
              - { name: dec,    type: "decimal(10,2)" }
              - { name: dec3,   type: "decimal(10,2)" }
              - { name: decp,   type: "decimal(5,2)" }
              - { name: dec1,   type: "decimal(12,3)" }
              - { name: wide,   type: "decimal(18,2)" }
              - { name: huge,   type: "decimal(38,4)" }
              - { name: huge2,  type: "decimal(38,2)" }
              - { name: s,      type: string, max_length: 8 }
              - { name: s_req,  type: string, required: true }
              - { name: s_date, type: date, format: "M/d/yyyy" }
              - { name: s_int,  type: int32 }
              - { name: uni,    type: string, max_length: 5 }
              - { name: b,      type: bool }
              - { name: b_req,  type: bool, required: true }
        """;

    /// <summary>The rows: nulls and values that do not fit their column at scattered rows.</summary>
    private const string Select = """
        SELECT
          CASE WHEN i % 499 = 7 THEN NULL ELSE i END::BIGINT AS id,
          CASE WHEN i % 10 = 0 THEN NULL ELSE i * 7919 % 200000 - 100000 END::INTEGER AS i32,
          CASE WHEN i % 10 = 1 THEN NULL WHEN i % 211 = 3 THEN 3000000000 + i WHEN i % 223 = 4 THEN -2147483649 ELSE i * 1000 END::BIGINT AS big,
          (i % 200 - 100)::TINYINT AS tiny,
          (i % 250)::UTINYINT AS usmall,
          CASE WHEN i % 233 = 5 THEN 2147483648 ELSE i END::UINTEGER AS uint,
          CASE WHEN i % 257 = 9 THEN 18446744073709551615 ELSE i END::UBIGINT AS ubig,
          (i * 1000003)::BIGINT AS i2d,
          CASE WHEN i % 263 = 10 THEN 1000 ELSE i % 999 - 500 END::INTEGER AS i2m,
          CASE WHEN i % 10 = 2 THEN NULL ELSE DATE '1950-01-01' + (i * 13)::INTEGER END AS day,
          TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 1234567) AS ts,
          (TIMESTAMP '1969-12-31 23:59:59' + to_milliseconds(i * 1001 - 1500000))::TIMESTAMP_MS AS ts_ms,
          (TIMESTAMP '1960-06-01 12:00:00' + to_microseconds(i * 3))::TIMESTAMP_NS AS ts_ns,
          TIMESTAMPTZ '2024-01-01 10:00:00+00' + to_seconds(i) AS tstz,
          CASE WHEN i % 301 = 11 THEN 'NaN'::DOUBLE WHEN i % 10 = 3 THEN NULL ELSE i::DOUBLE / 7 END AS dbl,
          (i::DOUBLE / 3)::FLOAT AS flt,
          (i * 1.25 - 100)::DECIMAL(10,2) AS dec,
          CASE WHEN i % 97 = 13 THEN 1.005 ELSE i * 0.01 END::DECIMAL(10,3) AS dec3,
          CASE WHEN i % 103 = 17 THEN 12345.67 ELSE i % 700 END::DECIMAL(10,2) AS decp,
          (i * 0.1)::DECIMAL(9,1) AS dec1,
          CASE WHEN i % 109 = 19 THEN 0.0001 WHEN i % 10 = 8 THEN NULL ELSE i * 1.01 - 7 END::DECIMAL(20,4) AS wide,
          CASE WHEN i % 151 = 53 THEN NULL ELSE '1234567890123456789012345678901.2345'::DECIMAL(38,4) * (i % 7 - 3) END AS huge,
          CASE WHEN i % 157 = 59 THEN 1.2345 ELSE '99999999999999999999999999999999.99'::DECIMAL(38,4) - i END::DECIMAL(38,4) AS huge2,
          CASE WHEN i % 10 = 4 THEN NULL WHEN i % 10 = 5 THEN '' WHEN i % 10 = 6 THEN '  p ' || i || ' ' WHEN i % 113 = 29 THEN repeat('x', 20) ELSE 'n' || i END AS s,
          CASE WHEN i % 127 = 31 THEN ' ' ELSE 'r' || i END AS s_req,
          CASE WHEN i % 131 = 37 THEN '13/45/2024' ELSE strftime(DATE '2024-01-01' + (i % 100)::INTEGER, '%-m/%-d/%Y') END AS s_date,
          CASE WHEN i % 137 = 41 THEN 'x' ELSE (i % 1000)::VARCHAR END AS s_int,
          CASE WHEN i % 139 = 43 THEN 'éééééé' ELSE 'é' || (i % 1000) END AS uni,
          CASE WHEN i % 10 = 7 THEN NULL ELSE i % 3 = 0 END AS b,
          CASE WHEN i % 149 = 47 THEN NULL ELSE i % 2 = 0 END AS b_req
        FROM range(3000) t(i)
        """;

    private readonly TempDirectory _dir = new("parquet-typed");

    private string Lake => _dir.Combine("lake");

    [Theory]
    [InlineData("ROW_GROUP_SIZE 1000")]
    [InlineData("COMPRESSION zstd, PARQUET_VERSION v2, ROW_GROUP_SIZE 700")]
    public async Task Run_NativeTypesBesideTheSameRowsAsCsv_SameValuesAndRejects(string options)
    {
        File.WriteAllText(_dir.Combine("pipeline.yaml"), $"""
            pipeline: typed
            lake: ./lake
            datasets:
              - name: pq
                match: "landing/pq/**"
                format: {"{"} type: parquet {"}"}
                max_rejects: none
                extra_columns: drop
                columns:
            {Columns}
              - name: csv
                match: "landing/csv/**"
                max_rejects: none
                columns:
            {Columns}

            """);
        Directory.CreateDirectory(Path.Combine(Lake, "landing", "pq"));
        Directory.CreateDirectory(Path.Combine(Lake, "landing", "csv"));
        await DuckDb.QueryAsync($"COPY ({Select}) TO {DuckDb.Literal(Path.Combine(Lake, "landing", "pq", "a.parquet"))} (FORMAT parquet, {options}); SELECT 1 AS done");

        // The CSV's timestamps as UTC text to the microsecond (the values are whole microseconds).
        var csvSelect = $"""
            SELECT * REPLACE (strftime(ts, '%Y-%m-%d %H:%M:%S.%f') AS ts, strftime(ts_ms, '%Y-%m-%d %H:%M:%S.%f') AS ts_ms,
                              strftime(ts_ns::TIMESTAMP, '%Y-%m-%d %H:%M:%S.%f') AS ts_ns, strftime(make_timestamp(epoch_us(tstz)), '%Y-%m-%d %H:%M:%S.%f') AS tstz)
            FROM ({Select})
            """;
        await DuckDb.QueryAsync($"COPY ({csvSelect}) TO {DuckDb.Literal(Path.Combine(Lake, "landing", "csv", "a.csv"))} (FORMAT csv, HEADER); SELECT 1 AS done");

        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var runner = new PipelineRunner(definition, new LocalObjectStore(definition.Lake));
        var (_, summary) = await runner.RunAsync(new RunOptions(), cancellationToken: TestContext.Current.CancellationToken);

        var pq = summary.Files.Single(f => f.File.Key.Contains("/pq/", StringComparison.Ordinal));
        var csv = summary.Files.Single(f => f.File.Key.Contains("/csv/", StringComparison.Ordinal));
        (pq.Status, csv.Status).ShouldBe((FileStatus.Succeeded, FileStatus.Succeeded), pq.Error + csv.Error);
        pq.RowsRead.ShouldBe(Rows);
        pq.RowsRead.ShouldBe(pq.RowsWritten + pq.RowsRejected);

        // Parquet rows are numbered from 1; the CSV's lines count its header.
        var pqRejects = Rejects("pq", 0);
        var csvRejects = Rejects("csv", 1);
        pqRejects.Except(csvRejects).Concat(csvRejects.Except(pqRejects)).Take(5).ShouldBeEmpty();
        pqRejects.ShouldBe(csvRejects);
        (pq.RowsWritten, pq.RowsRejected).ShouldBe((csv.RowsWritten, csv.RowsRejected));
        pq.RowsWritten.ShouldBeGreaterThan(Rows / 2);
        var reasons = pqRejects.Select(r => (r.Column, r.Reason)).Distinct().ToList();
        foreach (var expected in new[]
        {
            ("id", "is null or empty but the column is required"),
            ("big", "is not a 32-bit whole number"),
            ("uint", "is not a 32-bit whole number"),
            ("ubig", "is not a 64-bit whole number"),
            ("i2m", "does not fit decimal(5,2)"),
            ("dbl", "is not a number"),
            ("dec3", "has more than 2 decimal places (the column is decimal(10,2); values are never rounded silently)"),
            ("decp", "does not fit decimal(5,2)"),
            ("wide", "has more than 2 decimal places (the column is decimal(18,2); values are never rounded silently)"),
            ("huge2", "has more than 2 decimal places (the column is decimal(38,2); values are never rounded silently)"),
            ("s", "is longer than max_length 8"),
            ("s_req", "is null or empty but the column is required"),
            ("s_date", "is not a date in the format M/d/yyyy"),
            ("s_int", "is not a 32-bit whole number"),
            ("uni", "is longer than max_length 5"),
            ("b_req", "is null or empty but the column is required"),
        })
        {
            reasons.ShouldContain(expected);
        }

        var glob = (string ds) => DuckDb.Literal(Path.Combine(Lake, "processed", ds, "**", "*.parquet"));
        var names = string.Join(", ", Columns.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("- { name:", StringComparison.Ordinal)).Select(l => $"\"{l.Split(',')[0][9..].Trim()}\""));
        var difference = $"""
            SELECT count(*)::VARCHAR FROM (
              (SELECT {names} FROM read_parquet({glob("pq")}) EXCEPT ALL SELECT {names} FROM read_parquet({glob("csv")}))
              UNION ALL
              (SELECT {names} FROM read_parquet({glob("csv")}) EXCEPT ALL SELECT {names} FROM read_parquet({glob("pq")})))
            """;
        (await DuckDb.ScalarAsync(difference)).ShouldBe("0");
        (await DuckDb.ScalarAsync($"SELECT count(*)::VARCHAR FROM read_parquet({glob("pq")})")).ShouldBe(pq.RowsWritten.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await DuckDb.ScalarAsync($"SELECT huge::VARCHAR FROM read_parquet({glob("pq")}) WHERE id = 6")).ShouldBe("3703703670370370367037037036703.7035");
        (await DuckDb.ScalarAsync($"SELECT ts_ms::VARCHAR FROM read_parquet({glob("pq")}) WHERE id = 1")).ShouldBe("1969-12-31 23:35:00.001+00");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>The dataset's rejects as (row, column, value, reason); "null" and "empty" in a required column read alike.</summary>
    private List<(long Line, string? Column, string? Value, string Reason)> Rejects(string dataset, int header) =>
        [.. Directory.GetFiles(Path.Combine(Lake, "rejects", dataset), "*.jsonl", SearchOption.AllDirectories)
            .SelectMany(File.ReadAllLines)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(r => (
                r.GetProperty("line").GetInt64() - header,
                r.GetProperty("column").GetString(),
                r.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Trim().Length > 0 ? v.GetString()!.ToUpperInvariant() : null,
                r.GetProperty("reason").GetString()!.Replace("is null but", "is null or empty but", StringComparison.Ordinal).Replace("is empty but", "is null or empty but", StringComparison.Ordinal)))
            .OrderBy(r => r.Item1)];
}
