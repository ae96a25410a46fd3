using System.Globalization;
using Etl.Core.Generation;

namespace Etl.Benchmarks;

/// <summary>
/// JSON lines and Parquet input: the "Sales Records" rows written by the project's generator (etl generate) as .jsonl
/// and .parquet, each run through the whole pipeline (typed, Parquet partitioned by country, local lake) beside DuckDB
/// doing the same conversion from read_json / read_parquet (COPY TO dir PARTITION_BY (country), 2 threads, snappy).
/// Each run of each side is a fresh child process; the sides alternate within a run.
/// </summary>
internal sealed class InputFormatsBenchmark : IBenchmark
{
    private const string Columns = """
            columns:
              - { name: region,         type: string, aliases: ["Region"] }
              - { name: country,        type: string, required: true, aliases: ["Country"] }
              - { name: item_type,      type: string, aliases: ["Item Type"] }
              - { name: sales_channel,  type: string, aliases: ["Sales Channel"] }
              - { name: order_priority, type: string, aliases: ["Order Priority"] }
              - { name: order_date,     type: date, format: "M/d/yyyy", aliases: ["Order Date"] }
              - { name: order_id,       type: int64, required: true, aliases: ["Order ID"] }
              - { name: ship_date,      type: date, format: "M/d/yyyy", aliases: ["Ship Date"] }
              - { name: units_sold,     type: int32, aliases: ["Units Sold"] }
              - { name: unit_price,     type: "decimal(18,2)", aliases: ["Unit Price"] }
              - { name: unit_cost,      type: "decimal(18,2)", aliases: ["Unit Cost"] }
              - { name: total_revenue,  type: "decimal(18,2)", aliases: ["Total Revenue"] }
              - { name: total_cost,     type: "decimal(18,2)", aliases: ["Total Cost"] }
              - { name: total_profit,   type: "decimal(18,2)", aliases: ["Total Profit"] }
            extra_columns: drop
            partition_by: [country]
        """;

    private const string DuckScript = """
        import { createRequire } from 'node:module';
        import { pathToFileURL } from 'node:url';
        import path from 'node:path';
        const [toolsDir, format, input, out] = process.argv.slice(2);
        const require = createRequire(path.join(toolsDir, 'package.json'));
        const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);
        const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
        const c = await instance.connect();
        const q = (s) => s.replaceAll("'", "''");
        const select = `"Region" AS region, "Country" AS country, "Item Type" AS item_type, "Sales Channel" AS sales_channel,
          "Order Priority" AS order_priority, "Order Date" AS order_date, "Order ID" AS order_id, "Ship Date" AS ship_date,
          "Units Sold" AS units_sold, "Unit Price" AS unit_price, "Unit Cost" AS unit_cost, "Total Revenue" AS total_revenue,
          "Total Cost" AS total_cost, "Total Profit" AS total_profit`;
        const source = format === 'jsonl'
          ? `read_json('${q(input)}', format='newline_delimited', dateformat='%m/%d/%Y', columns={
              'Region':'VARCHAR','Country':'VARCHAR','Item Type':'VARCHAR','Sales Channel':'VARCHAR','Order Priority':'VARCHAR',
              'Order Date':'DATE','Order ID':'BIGINT','Ship Date':'DATE','Units Sold':'INTEGER','Unit Price':'DECIMAL(18,2)',
              'Unit Cost':'DECIMAL(18,2)','Total Revenue':'DECIMAL(18,2)','Total Cost':'DECIMAL(18,2)','Total Profit':'DECIMAL(18,2)'})`
          : `read_parquet('${q(input)}')`;
        const t0 = process.hrtime.bigint();
        await c.run(`COPY (SELECT ${select} FROM ${source}) TO '${q(out)}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (country), OVERWRITE_OR_IGNORE)`);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const check = await c.runAndReadAll(`SELECT count(*)::VARCHAR AS n FROM read_parquet('${q(out)}/**/*.parquet')`);
        process.stdout.write(JSON.stringify({ ms, peak_bytes: process.resourceUsage().maxRSS * 1024, rows: check.getRowObjectsJson()[0].n }));
        """;

    public string Name => "inputs";

    public string Description => "JSONL and Parquet input -> Parquet by country vs DuckDB read_json / read_parquet COPY PARTITION_BY (2 threads) [rows] [runs] [jsonl,parquet] [parquet rows per row group]";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rows = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 2_000_000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var formats = args.Length > 2 ? args[2].Split(',') : ["jsonl", "parquet"];
        int? rowGroupRows = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : null;
        var dir = Directory.CreateTempSubdirectory("etl-bench-inputs").FullName;
        try
        {
            var script = Path.Combine(dir, "duck.mjs");
            await File.WriteAllTextAsync(script, DuckScript, cancellationToken).ConfigureAwait(false);
            var results = new List<string>();
            foreach (var format in formats)
            {
                var root = Path.Combine(dir, format);
                var landing = Path.Combine(root, "lake", "landing", "sales");
                Directory.CreateDirectory(landing);
                var input = Path.Combine(landing, "sales." + format);
                Console.WriteLine($"generating {rows:N0} Sales Records rows as {format} (etl generate's generator, seed 1)...");
                var file = File.Create(input);
                await using (file.ConfigureAwait(false))
                {
                    var options = new SalesRecordsOptions(rows);
                    await (format == "jsonl"
                        ? SalesRecordsGenerator.WriteJsonlAsync(file, options, cancellationToken)
                        : SalesRecordsGenerator.WriteParquetAsync(file, options, rowGroupRows, cancellationToken)).ConfigureAwait(false);
                }

                var yaml = Path.Combine(root, "pipeline.yaml");
                await File.WriteAllTextAsync(yaml, $$"""
                    pipeline: inputs-bench-{{format}}
                    lake: ./lake
                    datasets:
                      - name: sales_records
                        match: "landing/sales/*.{{format}}"
                        format: { type: {{format}} }
                    {{Columns}}
                    """, cancellationToken).ConfigureAwait(false);

                var ours = new List<(double Ms, long Peak)>();
                var duck = new List<(double Ms, long Peak)>();
                for (var i = 0; i < runs; i++)
                {
                    foreach (var zone in new[] { "processed", "_meta", "rejects", "quarantine", "duck" })
                    {
                        var z = zone == "duck" ? Path.Combine(root, zone) : Path.Combine(root, "lake", zone);
                        if (Directory.Exists(z))
                        {
                            Directory.Delete(z, recursive: true);
                        }
                    }

                    ours.Add(PipelineBenchmark.RunChild(Environment.ProcessPath!, [.. PipelineBenchmark.SelfArgs(), "pipeline", PipelineBenchmark.ChildFlag, yaml]));
                    duck.Add(PipelineBenchmark.RunChild("node", [script, BenchmarkStats.ToolsDir, format, input, Path.Combine(root, "duck")]));
                    Console.WriteLine($"{format} run {i + 1}: ours {ours[^1].Ms:F0} ms peak {ours[^1].Peak / 1e6:F0} MB; duckdb {duck[^1].Ms:F0} ms peak {duck[^1].Peak / 1e6:F0} MB");
                }

                var ourMs = BenchmarkStats.Median(ours.Select(r => r.Ms).ToList());
                var duckMs = BenchmarkStats.Median(duck.Select(r => r.Ms).ToList());
                var ourPeak = BenchmarkStats.Median(ours.Select(r => (double)r.Peak).ToList());
                var duckPeak = BenchmarkStats.Median(duck.Select(r => (double)r.Peak).ToList());
                results.Add($"{format,-8}: input {new FileInfo(input).Length / 1e6:F0} MB; ours {ourMs:F0} ms ({rows / (ourMs / 1000) / 1e6:F2} M rows/s, peak {ourPeak / 1e6:F0} MB); "
                    + $"duckdb {duckMs:F0} ms (peak {duckPeak / 1e6:F0} MB); time ratio ours/duckdb {ourMs / duckMs:F2}");
            }

            Console.WriteLine();
            Console.WriteLine($"rows: {rows:N0}, partitions: country, runs: {runs} (medians), Parquet input row groups: {rowGroupRows ?? 1_000_000:N0} rows");
            foreach (var line in results)
            {
                Console.WriteLine(line);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
