using System.Globalization;
using System.Text;

namespace Etl.Benchmarks;

/// <summary>
/// The issue's measure of transform cost: the whole pipeline on the same Sales Records CSV (typed, partitioned by
/// country, Parquet on a local lake), once with plain typing and once adding currency conversion of three amounts
/// (currency per region, monthly rates from a table in the lake) and two lookups (country -> region code, item type ->
/// category). Each run of each side is a fresh child process; medians of several runs; overhead = enriched / plain - 1.
/// </summary>
internal sealed class TransformPipelineBenchmark : IBenchmark
{
    private static readonly string[] s_regions = ["Europe", "Asia", "Sub-Saharan Africa", "Middle East and North Africa", "Central America and the Caribbean", "Australia and Oceania", "North America"];
    private static readonly string[] s_currencies = ["EUR", "JPY", "ZAR", "AED", "MXN", "AUD", "USD"];

    public string Name => "transform-pipeline";

    public string Description => "whole pipeline with currency conversion of 3 amounts + 2 lookups vs plain typing, same CSV [rows] [runs] [copy: add the same 5 columns by copying, to isolate the cost of the wider output]";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000_000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var copyOnly = args.Length > 2 && args[2] == "copy";
        var dir = Directory.CreateTempSubdirectory("etl-bench-transform-pipeline").FullName;
        try
        {
            Console.WriteLine($"generating {rows:N0} Sales Records rows...");
            var lake = Path.Combine(dir, "lake");
            Directory.CreateDirectory(Path.Combine(lake, "landing", "sales"));
            var batches = SalesRecordsBatches.Build(rows);
            SalesRecordsBatches.WriteCsv(batches, Path.Combine(lake, "landing", "sales", "sales.csv"));
            var countries = CountriesOf(batches);
            batches.Clear();
            await WriteReferenceAsync(lake, countries, cancellationToken).ConfigureAwait(false);
            var plain = Path.Combine(dir, "plain.yaml");
            var enriched = Path.Combine(dir, "enriched.yaml");
            await File.WriteAllTextAsync(plain, PipelineBenchmark.Definition, cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(enriched, PipelineBenchmark.Definition + (copyOnly ? CopyColumns : Transforms()), cancellationToken).ConfigureAwait(false);

            var plainRuns = new List<double>();
            var enrichedRuns = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                Clean(lake);
                plainRuns.Add(PipelineBenchmark.RunChild(Environment.ProcessPath!, [.. PipelineBenchmark.SelfArgs(), "pipeline", PipelineBenchmark.ChildFlag, plain]).Ms);
                Clean(lake);
                enrichedRuns.Add(PipelineBenchmark.RunChild(Environment.ProcessPath!, [.. PipelineBenchmark.SelfArgs(), "pipeline", PipelineBenchmark.ChildFlag, enriched]).Ms);
                Console.WriteLine($"run {i + 1}: plain {plainRuns[^1]:F0} ms; with transforms {enrichedRuns[^1]:F0} ms");
            }

            var p = BenchmarkStats.Median(plainRuns);
            var e = BenchmarkStats.Median(enrichedRuns);
            Console.WriteLine();
            Console.WriteLine($"rows: {rows:N0}, partitions: country, runs: {runs} (medians)");
            Console.WriteLine($"plain typing          : {p,8:F0} ms  {rows / (p / 1000) / 1e6,6:F2} M rows/s");
            Console.WriteLine($"+ 3 conversions, 2 lookups: {e,4:F0} ms  {rows / (e / 1000) / 1e6,6:F2} M rows/s");
            Console.WriteLine($"added cost: {(e / p - 1) * 100:F1} % (goal < 25 %)");
            return 0;
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("ETL_BENCH_KEEP") == "1")
            {
                Console.WriteLine($"kept {dir} (ETL_BENCH_KEEP=1): plain.yaml, enriched.yaml and the lake, for profiling one side");
            }
            else
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>The same five added columns, copied instead of computed: separates the cost of the wider output from the transforms' own.</summary>
    private const string CopyColumns = """

                transforms:
                  - derive:
                      unit_price_usd: unit_price
                      total_revenue_usd: total_revenue
                      total_cost_usd: total_cost
                      region_code: region
                      category: item_type

            """;

    private static void Clean(string lake)
    {
        foreach (var zone in new[] { "processed", "_meta", "rejects", "quarantine" })
        {
            var z = Path.Combine(lake, zone);
            if (Directory.Exists(z))
            {
                Directory.Delete(z, recursive: true);
            }
        }
    }

    private static string Transforms()
    {
        var map = string.Join(", ", s_regions.Select((r, i) => $"\"{r}\": {s_currencies[i]}"));
        return $$"""

                transforms:
                  - convert_currency:
                      rates: reference/currency/rates.csv
                      amounts: [unit_price, total_revenue, total_cost]
                      currency_by: region
                      currencies: { {{map}} }
                      date: order_date
                  - lookup: { table: reference/regions.csv, key: country, columns: [region_code] }
                  - lookup: { table: reference/items.csv, key: item_type, columns: [category] }

            """;
    }

    private static HashSet<string> CountriesOf(List<Parquet.ColumnBatch> batches)
    {
        var index = SalesRecordsBatches.Schema.Fields.ToList().FindIndex(f => f.Name == "country");
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var b in batches)
        {
            var col = b.Column<Parquet.StringColumn>(index);
            for (var r = 0; r < col.Count; r++)
            {
                set.Add(col.GetString(r) ?? "");
            }
        }

        return set;
    }

    private static async Task WriteReferenceAsync(string lake, HashSet<string> countries, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(lake, "reference", "currency"));
        var rates = new StringBuilder("currency,month,rate_to_usd\n");
        for (var year = 2000; year <= 2030; year++)
        {
            for (var month = 1; month <= 12; month++)
            {
                for (var c = 0; c < s_currencies.Length - 1; c++)
                {
                    rates.Append(CultureInfo.InvariantCulture, $"{s_currencies[c]},{year:D4}-{month:D2},{0.05 + c * 0.3 + month * 0.001:0.000000}\n");
                }
            }
        }

        await File.WriteAllTextAsync(Path.Combine(lake, "reference", "currency", "rates.csv"), rates.ToString(), cancellationToken).ConfigureAwait(false);
        var regions = new StringBuilder("country,region_code\n");
        var i = 0;
        foreach (var country in countries.Order(StringComparer.Ordinal))
        {
            regions.Append(CultureInfo.InvariantCulture, $"\"{country.Replace("\"", "\"\"", StringComparison.Ordinal)}\",R{i++ % 7}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(lake, "reference", "regions.csv"), regions.ToString(), cancellationToken).ConfigureAwait(false);
        var items = new StringBuilder("item_type,category\n");
        foreach (var item in new[] { "Baby Food", "Beverages", "Cereal", "Clothes", "Cosmetics", "Fruits", "Household", "Meat", "Office Supplies", "Personal Care", "Snacks", "Vegetables" })
        {
            items.Append(CultureInfo.InvariantCulture, $"{item},{(item.Length % 2 == 0 ? "Food" : "Goods")}\n");
        }

        await File.WriteAllTextAsync(Path.Combine(lake, "reference", "items.csv"), items.ToString(), cancellationToken).ConfigureAwait(false);
    }
}
