using System.Diagnostics;
using System.Globalization;
using System.Text;
using Etl.Parquet;
using Etl.Warehouse;
using Npgsql;

namespace Etl.Benchmarks;

/// <summary>Warehouse load of 2M fact rows: our binary COPY staging step (timed apart from the merge) beside psql \copy of the same rows as CSV.</summary>
internal sealed class WarehouseBenchmark : IBenchmark
{
    private static readonly ParquetSchema s_schema = new(
    [
        new ParquetField("order_id", ParquetType.Int64, Nullable: false),
        new ParquetField("order_date", ParquetType.Date),
        new ParquetField("customer_id", ParquetType.String),
        new ParquetField("sales_person", ParquetType.String),
        new ParquetField("region", ParquetType.String),
        ParquetField.Decimal("total", 18, 2),
        new ParquetField("units", ParquetType.Int32),
    ]);

    public string Name => "warehouse";

    public string Description => "Warehouse load of 2M rows: binary COPY staging + merge, beside psql \\copy CSV into an identical temp table (goal staging <= 1.2x psql)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000_000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var cs = Environment.GetEnvironmentVariable(WarehouseOptions.ConnectionEnvironmentVariable) ?? Environment.GetEnvironmentVariable("ETL_TEST_PG");
        if (string.IsNullOrEmpty(cs))
        {
            Console.Error.WriteLine("Set ETL_WAREHOUSE_CONNECTION (or ETL_TEST_PG, e.g. eval \"$(eng/services.sh start)\").");
            return 2;
        }

        var dbName = "etl_bench_" + Guid.NewGuid().ToString("N")[..12];
        await ExecAsync(cs, $"CREATE DATABASE \"{dbName}\"", cancellationToken).ConfigureAwait(false);
        var csb = new NpgsqlConnectionStringBuilder(cs) { Database = dbName };
        var dir = Directory.CreateTempSubdirectory("etl-wh-bench").FullName;
        try
        {
            var batches = Generate(rows);
            var csv = Path.Combine(dir, "rows.csv");
            WriteCsv(batches, csv);
            var dataset = new WarehouseDataset(
                "bench",
                "fact_bench",
                ["total", "units", "order_id"],
                [new WarehouseDimension("dim_bench_customer", ["customer_id"], ["region"]), new WarehouseDimension("dim_bench_person", ["sales_person"], [])],
                "order_date");
            await using var loader = new WarehouseLoader(new WarehouseOptions { ConnectionString = csb.ConnectionString });
            await loader.MigrateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

            List<double> staging = [], merge = [], psql = [];
            for (var i = 0; i < runs; i++)
            {
                var r = await loader.LoadAsync(dataset, new FileLoadSource("bench-file"), s_schema, batches, cancellationToken).ConfigureAwait(false);
                staging.Add(r.StagingElapsed.TotalMilliseconds);
                merge.Add(r.MergeElapsed.TotalMilliseconds);
                psql.Add(RunPsql(csb, csv));
                Console.WriteLine($"run {i + 1}: staging {staging[^1]:F0} ms  merge {merge[^1]:F0} ms  psql \\copy {psql[^1]:F0} ms");
            }

            var s = BenchmarkStats.Median(staging);
            var m = BenchmarkStats.Median(merge);
            var p = BenchmarkStats.Median(psql);
            Console.WriteLine($"rows {rows:N0}, {runs} runs, CSV {new FileInfo(csv).Length / 1e6:F0} MB");
            Console.WriteLine($"ours staging (binary COPY): median {s,8:F0} ms  {rows / (s / 1000) / 1e6:F2} M rows/s");
            Console.WriteLine($"ours merge (dims + fact)  : median {m,8:F0} ms");
            Console.WriteLine($"psql \\copy CSV            : median {p,8:F0} ms  {rows / (p / 1000) / 1e6:F2} M rows/s");
            Console.WriteLine($"staging ratio ours/psql: {s / p:F2} (goal <= 1.2)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await ExecAsync(cs, $"DROP DATABASE IF EXISTS \"{dbName}\" WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static double RunPsql(NpgsqlConnectionStringBuilder csb, string csv)
    {
        var psi = new ProcessStartInfo("psql")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["PGHOST"] = csb.Host;
        psi.Environment["PGPORT"] = csb.Port.ToString(CultureInfo.InvariantCulture);
        psi.Environment["PGUSER"] = csb.Username;
        psi.Environment["PGDATABASE"] = csb.Database;
        if (!string.IsNullOrEmpty(csb.Password))
        {
            psi.Environment["PGPASSWORD"] = csb.Password;
        }

        foreach (var a in new[]
        {
            "-v", "ON_ERROR_STOP=1", "-q",
            "-c", "CREATE TEMP TABLE stg_bench (order_id bigint, order_date date, customer_id text, sales_person text, region text, total numeric(18,2), units integer)",
            "-c", $"\\copy stg_bench FROM '{csv}' WITH (FORMAT csv)",
        })
        {
            psi.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using var proc = Process.Start(psi)!;
        var err = proc.StandardError.ReadToEnd();
        proc.WaitForExit();
        sw.Stop();
        if (proc.ExitCode != 0)
        {
            throw new InvalidOperationException("psql failed: " + err);
        }

        return sw.Elapsed.TotalMilliseconds;
    }

    private static List<ColumnBatch> Generate(int rows)
    {
        var rnd = new Random(42);
        var list = new List<ColumnBatch>();
        var epoch = new DateOnly(2024, 1, 1).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        for (var start = 0; start < rows; start += 65536)
        {
            var n = Math.Min(65536, rows - start);
            var b = new ColumnBatch(s_schema, n);
            for (var i = 0; i < n; i++)
            {
                var c = rnd.Next(50_000);
                b.Column<Int64Column>(0).Append(start + i);
                b.Column<Int32Column>(1).Append(epoch + rnd.Next(366));
                b.Column<StringColumn>(2).Append("cust-" + c.ToString(CultureInfo.InvariantCulture));
                b.Column<StringColumn>(3).Append("person-" + rnd.Next(40).ToString(CultureInfo.InvariantCulture));
                b.Column<StringColumn>(4).Append("region-" + (c % 12).ToString(CultureInfo.InvariantCulture));
                b.Column<DecimalColumn>(5).Append((Int128)rnd.Next(1, 10_000_000));
                b.Column<Int32Column>(6).Append(rnd.Next(1, 100));
            }

            list.Add(b);
        }

        return list;
    }

    private static void WriteCsv(List<ColumnBatch> batches, string path)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var unixDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        foreach (var b in batches)
        {
            for (var i = 0; i < b.RowCount; i++)
            {
                var cents = (long)b.Column<DecimalColumn>(5)[i];
                w.Write(b.Column<Int64Column>(0)[i].ToString(CultureInfo.InvariantCulture));
                w.Write(',');
                w.Write(DateOnly.FromDayNumber(b.Column<Int32Column>(1)[i] + unixDay).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                w.Write(',');
                w.Write(b.Column<StringColumn>(2).GetString(i));
                w.Write(',');
                w.Write(b.Column<StringColumn>(3).GetString(i));
                w.Write(',');
                w.Write(b.Column<StringColumn>(4).GetString(i));
                w.Write(',');
                w.Write((cents / 100m).ToString("F2", CultureInfo.InvariantCulture));
                w.Write(',');
                w.Write(b.Column<Int32Column>(6)[i].ToString(CultureInfo.InvariantCulture));
                w.Write('\n');
            }
        }
    }

    private static async Task ExecAsync(string cs, string sql, CancellationToken ct)
    {
        var conn = new NpgsqlConnection(cs);
        await using var connScope = conn.ConfigureAwait(false);
        await conn.OpenAsync(ct).ConfigureAwait(false);
        var cmd = new NpgsqlCommand(sql, conn);
        await using var cmdScope = cmd.ConfigureAwait(false);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
