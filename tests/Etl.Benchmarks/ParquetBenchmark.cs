using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Etl.Parquet;
using Etl.Parquet.Format;

namespace Etl.Benchmarks;

/// <summary>Our Parquet writer beside DuckDB's COPY TO parquet (single-threaded, Snappy) on Sales-Records-shaped rows.</summary>
internal sealed class ParquetBenchmark : IBenchmark
{
    public string Name => "parquet";

    public string Description => "Parquet writer vs DuckDB COPY TO parquet, 2M Sales Records rows, snappy, 1 thread [rows] [runs]";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000_000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var dir = Directory.CreateTempSubdirectory("etl-bench-parquet").FullName;
        try
        {
            Console.WriteLine($"generating {rows:N0} rows...");
            var batches = SalesRecordsBatches.Build(rows);
            var csv = Path.Combine(dir, "sales.csv");
            SalesRecordsBatches.WriteCsv(batches, csv);

            var ourTimes = new List<double>();
            long ourBytes = 0;
            double allocPerRow = 0;
            var ours = Path.Combine(dir, "ours.parquet");
            for (var i = 0; i < runs + 1; i++)
            {
                GC.Collect();
                var allocBefore = GC.GetAllocatedBytesForCurrentThread();
                var sw = Stopwatch.StartNew();
                using (var writer = new ParquetFileWriter(new FileStream(ours, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20), SalesRecordsBatches.Schema))
                {
                    foreach (var b in batches)
                    {
                        writer.Write(b);
                    }
                }

                sw.Stop();
                if (i == 0)
                {
                    continue; // warm-up (JIT)
                }

                ourTimes.Add(sw.Elapsed.TotalMilliseconds);
                allocPerRow = (GC.GetAllocatedBytesForCurrentThread() - allocBefore) / (double)rows;
                ourBytes = new FileInfo(ours).Length;
            }

            Console.WriteLine("running DuckDB reference...");
            var duck = JsonDocument.Parse(BenchmarkStats.RunNode("bench/duckdb-parquet.mjs", csv, Path.Combine(dir, "duck.parquet"), "snappy", runs.ToString(CultureInfo.InvariantCulture)));
            var duckTimes = duck.RootElement.GetProperty("runs_ms").EnumerateArray().Select(e => e.GetDouble()).ToList();
            var duckBytes = duck.RootElement.GetProperty("bytes").GetInt64();

            var ourMedian = BenchmarkStats.Median(ourTimes);
            var duckMedian = BenchmarkStats.Median(duckTimes);
            var csvBytes = new FileInfo(csv).Length;
            Console.WriteLine();
            Console.WriteLine($"rows: {rows:N0}, runs: {runs}, codec: snappy, CSV equivalent: {csvBytes / 1e6:F1} MB");
            Console.WriteLine($"ours   : median {ourMedian,8:F0} ms  {rows / (ourMedian / 1000) / 1e6,6:F2} M rows/s  {csvBytes / 1e6 / (ourMedian / 1000),7:F1} MB/s (CSV-equivalent)  output {ourBytes / 1e6:F1} MB  alloc {allocPerRow:F2} B/row  runs [{string.Join(", ", ourTimes.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))}]");
            Console.WriteLine($"duckdb : median {duckMedian,8:F0} ms  {rows / (duckMedian / 1000) / 1e6,6:F2} M rows/s  {csvBytes / 1e6 / (duckMedian / 1000),7:F1} MB/s (CSV-equivalent)  output {duckBytes / 1e6:F1} MB  runs [{string.Join(", ", duckTimes.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))}]");
            Console.WriteLine($"time ratio ours/duckdb: {ourMedian / duckMedian:F2} (goal <= 1.5)   size ratio ours/duckdb: {ourBytes / (double)duckBytes:F3} (goal within 15%)");

            CompareSnappy(csv);
            return Task.FromResult(0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Our Snappy beside IronSnappy on 1 MiB pages of the CSV text.</summary>
    private static void CompareSnappy(string csv)
    {
        var data = File.ReadAllBytes(csv);
        var len = Math.Min(data.Length, 128 << 20);
        const int Page = 1 << 20;
        var ours = new List<double>();
        var iron = new List<double>();
        long ourSize = 0;
        long ironSize = 0;
        var buffer = new ByteBuffer(Page * 2);
        for (var run = 0; run < 4; run++)
        {
            var sw = Stopwatch.StartNew();
            ourSize = 0;
            for (var off = 0; off < len; off += Page)
            {
                buffer.Clear();
                ourSize += SnappyCodec.Compress(data.AsSpan(off, Math.Min(Page, len - off)), buffer);
            }

            ours.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            ironSize = 0;
            for (var off = 0; off < len; off += Page)
            {
                ironSize += IronSnappy.Snappy.Encode(data.AsSpan(off, Math.Min(Page, len - off))).Length;
            }

            iron.Add(sw.Elapsed.TotalMilliseconds);
        }

        ours.RemoveAt(0);
        iron.RemoveAt(0);
        Console.WriteLine($"snappy on {len / 1e6:F0} MB of CSV text in 1 MiB pages: ours {len / 1e6 / (BenchmarkStats.Median(ours) / 1000):F0} MB/s ratio {ourSize / (double)len:F3}; IronSnappy {len / 1e6 / (BenchmarkStats.Median(iron) / 1000):F0} MB/s ratio {ironSize / (double)len:F3}");
    }
}
