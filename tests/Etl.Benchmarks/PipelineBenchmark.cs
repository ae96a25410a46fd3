using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Storage.Local;

namespace Etl.Benchmarks;

/// <summary>
/// The whole pipeline (CSV -> typed -> Parquet partitioned by country, on a local lake) beside DuckDB doing the same
/// conversion (read_csv -> COPY TO dir PARTITION_BY (country), 2 threads, snappy). Each run of each side is a fresh
/// child process, so the peak working set of a run is that process's high-water mark.
/// </summary>
internal sealed class PipelineBenchmark : IBenchmark
{
    internal const string ChildFlag = "--child";

    private const string DuckScript = """
        import { createRequire } from 'node:module';
        import { pathToFileURL } from 'node:url';
        import path from 'node:path';
        const [toolsDir, csv, out] = process.argv.slice(2);
        const require = createRequire(path.join(toolsDir, 'package.json'));
        const { DuckDBInstance } = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);
        const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
        const c = await instance.connect();
        const q = (s) => s.replaceAll("'", "''");
        const t0 = process.hrtime.bigint();
        await c.run(`COPY (SELECT * FROM read_csv('${q(csv)}', header=true, columns={
          'region':'VARCHAR','country':'VARCHAR','item_type':'VARCHAR','sales_channel':'VARCHAR','order_priority':'VARCHAR',
          'sales_rep':'VARCHAR','order_code':'VARCHAR','order_date':'DATE','ship_date':'DATE','order_id':'BIGINT','units_sold':'INTEGER',
          'unit_price':'DECIMAL(18,2)','unit_cost':'DECIMAL(18,2)','total_revenue':'DECIMAL(18,2)','total_cost':'DECIMAL(18,2)','total_profit':'DECIMAL(18,2)'}))
          TO '${q(out)}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (country), OVERWRITE_OR_IGNORE)`);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        process.stdout.write(JSON.stringify({ ms, peak_bytes: process.resourceUsage().maxRSS * 1024 }));
        """;

    /// <summary>The Sales Records definition: typed and partitioned by country, no transforms.</summary>
    internal const string Definition = """
        pipeline: sales-records-bench
        lake: ./lake
        datasets:
          - name: sales_records
            match: "landing/sales/*.csv"
            columns:
              - { name: region,         type: string }
              - { name: country,        type: string, required: true }
              - { name: item_type,      type: string }
              - { name: sales_channel,  type: string }
              - { name: order_priority, type: string }
              - { name: sales_rep,      type: string }
              - { name: order_code,     type: string }
              - { name: order_date,     type: date }
              - { name: ship_date,      type: date }
              - { name: order_id,       type: int64, required: true }
              - { name: units_sold,     type: int32 }
              - { name: unit_price,     type: "decimal(18,2)" }
              - { name: unit_cost,      type: "decimal(18,2)" }
              - { name: total_revenue,  type: "decimal(18,2)" }
              - { name: total_cost,     type: "decimal(18,2)" }
              - { name: total_profit,   type: "decimal(18,2)" }
            extra_columns: drop
            partition_by: [country]
        """;

    public string Name => "pipeline";

    public string Description => "etl pipeline CSV -> Parquet by country vs DuckDB COPY PARTITION_BY (2 threads, snappy) [rows] [runs]";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (args.Length > 0 && args[0] == ChildFlag)
        {
            return await RunChildAsync(args[1], cancellationToken).ConfigureAwait(false);
        }

        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000_000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var dir = Directory.CreateTempSubdirectory("etl-bench-pipeline").FullName;
        try
        {
            Console.WriteLine($"generating {rows:N0} Sales Records rows...");
            var landing = Path.Combine(dir, "lake", "landing", "sales");
            Directory.CreateDirectory(landing);
            var csv = Path.Combine(landing, "sales.csv");
            SalesRecordsBatches.WriteCsv(SalesRecordsBatches.Build(rows), csv);
            var yaml = Path.Combine(dir, "pipeline.yaml");
            await File.WriteAllTextAsync(yaml, Definition, cancellationToken).ConfigureAwait(false);
            var script = Path.Combine(dir, "duck.mjs");
            await File.WriteAllTextAsync(script, DuckScript, cancellationToken).ConfigureAwait(false);
            var csvBytes = new FileInfo(csv).Length;

            var ours = new List<(double Ms, long Peak)>();
            var duck = new List<(double Ms, long Peak)>();
            for (var i = 0; i < runs; i++)
            {
                foreach (var zone in new[] { "processed", "_meta", "rejects", "quarantine" })
                {
                    var z = Path.Combine(dir, "lake", zone);
                    if (Directory.Exists(z))
                    {
                        Directory.Delete(z, recursive: true);
                    }
                }

                ours.Add(RunChild(Environment.ProcessPath!, [.. SelfArgs(), "pipeline", ChildFlag, yaml]));
                var duckOut = Path.Combine(dir, "duck");
                if (Directory.Exists(duckOut))
                {
                    Directory.Delete(duckOut, recursive: true);
                }

                duck.Add(RunChild("node", [script, BenchmarkStats.ToolsDir, csv, duckOut]));
                Console.WriteLine($"run {i + 1}: ours {ours[^1].Ms:F0} ms peak {ours[^1].Peak / 1e6:F0} MB; duckdb {duck[^1].Ms:F0} ms peak {duck[^1].Peak / 1e6:F0} MB");
            }

            var ourMs = BenchmarkStats.Median(ours.Select(r => r.Ms).ToList());
            var duckMs = BenchmarkStats.Median(duck.Select(r => r.Ms).ToList());
            var ourPeak = BenchmarkStats.Median(ours.Select(r => (double)r.Peak).ToList());
            var duckPeak = BenchmarkStats.Median(duck.Select(r => (double)r.Peak).ToList());
            Console.WriteLine();
            Console.WriteLine($"rows: {rows:N0}, CSV {csvBytes / 1e6:F0} MB, partitions: country, runs: {runs} (medians)");
            Console.WriteLine($"ours   : {ourMs,8:F0} ms  {rows / (ourMs / 1000) / 1e6,6:F2} M rows/s  peak {ourPeak / 1e6,6:F0} MB");
            Console.WriteLine($"duckdb : {duckMs,8:F0} ms  {rows / (duckMs / 1000) / 1e6,6:F2} M rows/s  peak {duckPeak / 1e6,6:F0} MB");
            Console.WriteLine($"time ratio ours/duckdb: {ourMs / duckMs:F2} (goal <= 1.5)   our peak: {ourPeak / 1e6:F0} MB (goal < 400)");
            return 0;
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("ETL_BENCH_KEEP") == "1")
            {
                Console.WriteLine($"kept {dir} (ETL_BENCH_KEEP=1): pipeline.yaml and the lake, for profiling our side");
            }
            else
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static async Task<int> RunChildAsync(string yaml, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        var definition = PipelineDefinitionLoader.Load(yaml);
        var runner = new PipelineRunner(definition, new LocalObjectStore(definition.Lake));
        var (_, summary) = await runner.RunAsync(new RunOptions(ReprocessAll: true), cancellationToken: cancellationToken).ConfigureAwait(false);
        sw.Stop();
        var file = summary.Files.Single();
        if (file.RowsWritten == 0)
        {
            await Console.Error.WriteLineAsync($"nothing written: {file.Status} {file.Error}").ConfigureAwait(false);
            return 1;
        }

        using var self = Process.GetCurrentProcess();
        Console.WriteLine(JsonSerializer.Serialize(new { ms = sw.Elapsed.TotalMilliseconds, peak_bytes = self.PeakWorkingSet64, rows = file.RowsWritten, allocated_mb = GC.GetTotalAllocatedBytes() >> 20, gcs = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) } }));
        return 0;
    }

    /// <summary>Under the dotnet host the child needs our dll; under the apphost it needs nothing.</summary>
    internal static string[] SelfArgs() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath!).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? [typeof(PipelineBenchmark).Assembly.Location]
            : [];

    internal static (double Ms, long Peak) RunChild(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({p.ExitCode}): {stderr}{stdout}");
        }

        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        return (doc.RootElement.GetProperty("ms").GetDouble(), doc.RootElement.GetProperty("peak_bytes").GetInt64());
    }
}
