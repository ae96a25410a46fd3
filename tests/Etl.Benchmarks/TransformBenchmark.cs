using System.Diagnostics;
using System.Globalization;
using System.Text;
using Etl.Core.Enrichment;
using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Reference;
using Etl.Core.Reading;
using Etl.Core.Typing;
using Etl.Parquet;

namespace Etl.Benchmarks;

/// <summary>
/// The added cost of transforms on Sales Records rows: currency conversion of three amount columns (currency per region,
/// monthly rates) plus two lookups (country -> region code, item type -> category), over rows already typed in batches.
/// Beside it, in the same run: a pass-through chain (no steps) over the same batches, and plain typing of the same rows
/// from CSV (CsvReader + ValueParser into column batches, the engine's typing path without its I/O and Parquet). The
/// overhead reported is transform time / typing time; the issue's goal (&lt; 25%) is against the whole pipeline, which
/// costs more than typing alone, so this ratio is an upper bound of the pipeline-level overhead.
/// </summary>
internal sealed class TransformBenchmark : IBenchmark
{
    private static readonly string[] s_regions = ["Europe", "Asia", "Sub-Saharan Africa", "Middle East and North Africa", "Central America and the Caribbean", "Australia and Oceania", "North America"];
    private static readonly string[] s_currencies = ["EUR", "JPY", "ZAR", "AED", "MXN", "AUD", "USD"];
    private static readonly string[] s_items = ["Baby Food", "Beverages", "Cereal", "Clothes", "Cosmetics", "Fruits", "Household", "Meat", "Office Supplies", "Personal Care", "Snacks", "Vegetables"];

    public string Name => "transform";

    public string Description => "currency conversion of 3 amounts + 2 lookups over typed batches vs pass-through and vs CSV typing [rows] [runs]";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000_000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        Console.WriteLine($"generating {rows:N0} Sales Records rows...");
        var source = SalesRecordsBatches.Build(rows);
        var chain = await BuildChainAsync(cancellationToken).ConfigureAwait(false);
        var empty = TransformChain.Empty(chain.OutputSchema);
        var batches = source.Select(b => Widen(b, chain.OutputSchema)).ToList();
        var dir = Directory.CreateTempSubdirectory("etl-bench-transform").FullName;
        try
        {
            var csv = Path.Combine(dir, "sales.csv");
            SalesRecordsBatches.WriteCsv(source, csv);
            source.Clear();
            var typing = new List<double>();
            var passThrough = new List<double>();
            var transform = new List<double>();
            var dispositions = new RowDisposition();
            var kept = new List<int>(65536);
            long rejected = 0;
            for (var run = 0; run < runs; run++)
            {
                typing.Add(await TimeTypingAsync(csv, cancellationToken).ConfigureAwait(false));
                passThrough.Add(Time(() =>
                {
                    foreach (var b in batches)
                    {
                        empty.Apply(b, dispositions);
                        dispositions.GetKeptRows(kept);
                    }
                }));
                rejected = 0;
                transform.Add(Time(() =>
                {
                    foreach (var b in batches)
                    {
                        for (var c = SalesRecordsBatches.Schema.Fields.Count; c < b.Columns.Count; c++)
                        {
                            b[c].Clear();
                        }

                        chain.Apply(b, dispositions);
                        dispositions.GetKeptRows(kept);
                        rejected += dispositions.Rejections.Count;
                    }
                }));
                Console.WriteLine($"run {run + 1}: typing {typing[^1]:F0} ms; pass-through {passThrough[^1]:F0} ms; transforms {transform[^1]:F0} ms ({rejected} rejected)");
            }

            var typingMs = BenchmarkStats.Median(typing);
            var passMs = BenchmarkStats.Median(passThrough);
            var transformMs = BenchmarkStats.Median(transform);
            Console.WriteLine();
            Console.WriteLine($"rows: {rows:N0}, median of {runs} runs");
            Console.WriteLine($"  typing CSV -> batches:                 {typingMs,8:F0} ms ({rows / typingMs * 1000:N0} rows/s)");
            Console.WriteLine($"  pass-through chain:                    {passMs,8:F0} ms");
            Console.WriteLine($"  3 conversions + 2 lookups:             {transformMs,8:F0} ms ({rows / transformMs * 1000:N0} rows/s)");
            Console.WriteLine($"  added cost over typing:                {(transformMs - passMs) / typingMs * 100,8:F1} %");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static async Task<TransformChain> BuildChainAsync(CancellationToken cancellationToken)
    {
        var rates = new StringBuilder("currency,month,rate_to_usd\n");
        for (var year = 2009; year <= 2018; year++)
        {
            for (var month = 1; month <= 12; month++)
            {
                for (var c = 0; c < s_currencies.Length - 1; c++)
                {
                    var rate = (0.05 + c * 0.3 + (month * 0.001)).ToString("0.000000", CultureInfo.InvariantCulture);
                    rates.Append(CultureInfo.InvariantCulture, $"{s_currencies[c]},{year:D4}-{month:D2},{rate}\n");
                }
            }
        }

        var regions = new StringBuilder("country,region_code\n");
        for (var i = 0; i < 185; i++)
        {
            regions.Append(CultureInfo.InvariantCulture, $"Country {i},R{i % 7}\n");
        }

        var items = new StringBuilder("item_type,category\n");
        foreach (var item in s_items)
        {
            items.Append(CultureInfo.InvariantCulture, $"{item},{(item.Length % 2 == 0 ? "Food" : "Goods")}\n");
        }

        var rateTable = await CurrencyRateTable.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(rates.ToString())), "rates.csv", cancellationToken: cancellationToken).ConfigureAwait(false);
        var regionDef = new LookupDefinition(SourceLocation.None, "regions", "regions.csv", "country", "country", [new LookupColumn("region_code", "region_code")]);
        var itemDef = new LookupDefinition(SourceLocation.None, "items", "items.csv", "item_type", "item_type", [new LookupColumn("category", "category")]);
        var regionTable = await LookupTable.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(regions.ToString())), "regions.csv", "country", LookupTransform.TableColumns(regionDef), cancellationToken: cancellationToken).ConfigureAwait(false);
        var itemTable = await LookupTable.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(items.ToString())), "items.csv", "item_type", LookupTransform.TableColumns(itemDef), cancellationToken: cancellationToken).ConfigureAwait(false);

        var map = new Dictionary<string, string>();
        for (var i = 0; i < s_regions.Length; i++)
        {
            map[s_regions[i]] = s_currencies[i];
        }

        var schema = SalesRecordsBatches.Schema;
        var steps = new List<IBatchTransform>();
        void Add(IBatchTransform step)
        {
            steps.Add(step);
            schema = new ParquetSchema([.. schema.Fields, .. step.AddedFields]);
        }

        Add(CurrencyConversionTransform.Create(schema, new ConvertCurrencyDefinition(SourceLocation.None, "rates.csv", ["unit_price", "total_revenue", "total_cost"], new CurrencySource(By: "region", Map: map), "order_date"), rateTable, []));
        Add(LookupTransform.Create(schema, regionDef, regionTable));
        Add(LookupTransform.Create(schema, itemDef, itemTable));
        return new TransformChain(SalesRecordsBatches.Schema, steps);
    }

    /// <summary>A batch of the chain's output schema holding the typed rows of <paramref name="source"/>.</summary>
    private static ColumnBatch Widen(ColumnBatch source, ParquetSchema output)
    {
        var batch = new ColumnBatch(output, source.RowCount);
        var n = source.RowCount;
        for (var c = 0; c < source.Columns.Count; c++)
        {
            for (var r = 0; r < n; r++)
            {
                switch (source[c])
                {
                    case StringColumn s: batch.Column<StringColumn>(c).Append(s.GetBytes(r)); break;
                    case Int32Column i: batch.Column<Int32Column>(c).Append(i[r]); break;
                    case Int64Column l: batch.Column<Int64Column>(c).Append(l[r]); break;
                    case DecimalColumn d: batch.Column<DecimalColumn>(c).Append(d[r]); break;
                }
            }
        }

        return batch;
    }

    /// <summary>CSV to typed batches of 65,536 rows, as the engine types them (without its I/O, partitioning and Parquet).</summary>
    private static async Task<double> TimeTypingAsync(string csv, CancellationToken cancellationToken)
    {
        var schema = SalesRecordsBatches.Schema;
        var batch = new ColumnBatch(schema, 65536);
        var sw = Stopwatch.StartNew();
        using var reader = new CsvReader(File.OpenRead(csv));
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var c = 0; c < schema.Fields.Count; c++)
            {
                var raw = reader[c];
                switch (batch[c])
                {
                    case StringColumn s: s.Append(raw); break;
                    case Int32Column i when schema.Fields[c].Type == ParquetType.Date:
                        ValueParser.TryParseDate(raw, null, out var days);
                        i.Append(days);
                        break;
                    case Int32Column i:
                        ValueParser.TryParseInt32(raw, out var v32);
                        i.Append(v32);
                        break;
                    case Int64Column l:
                        ValueParser.TryParseInt64(raw, out var v64);
                        l.Append(v64);
                        break;
                    case DecimalColumn d:
                        ValueParser.TryParseDecimal(raw, 18, 2, out var unscaled, out _);
                        d.Append(unscaled);
                        break;
                }
            }

            if (batch[0].Count == 65536)
            {
                batch.Clear();
            }
        }

        return sw.Elapsed.TotalMilliseconds;
    }
}
