using System.Text;
using Etl.Core.Enrichment;
using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Reference;
using Etl.Parquet;

namespace Etl.Core.Tests.Enrichment;

/// <summary>Proves the transforms work a batch at a time without allocating per row (allocation bound, not a timing).</summary>
public sealed class BatchAllocationTests
{
    private const int Rows = 200_000;

    private static readonly ParquetSchema s_schema = new(
    [
        new ParquetField("country", ParquetType.String),
        new ParquetField("item_type", ParquetType.String),
        new ParquetField("currency", ParquetType.String),
        new ParquetField("order_date", ParquetType.Date),
        new ParquetField("units_sold", ParquetType.Int32),
        ParquetField.Decimal("unit_price", 18, 2),
        ParquetField.Decimal("unit_cost", 18, 2),
    ]);

    [Fact]
    public async Task Apply_LargeBatch_AllocatesNothingPerRow()
    {
        var ct = TestContext.Current.CancellationToken;
        var rates = await CurrencyRateTable.LoadAsync(new MemoryStream("currency,date,rate\nEUR,2019-01-01,1.1\nEUR,2020-01-01,1.08\nGBP,2019-01-01,1.25\n"u8.ToArray()), "rates.csv", cancellationToken: ct);
        var regions = new LookupDefinition(SourceLocation.None, "regions", "regions.csv", "country", "country", [new LookupColumn("region_code", "region_code")]);
        var items = new LookupDefinition(SourceLocation.None, "items", "items.csv", "item_type", "item_type", [new LookupColumn("category", "category"), new LookupColumn("weight", "weight", "decimal(9,3)")]);
        var regionTable = await LookupTable.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes("country,region_code\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"Country {i},R{i % 7}\n")))), "regions.csv", "country", LookupTransform.TableColumns(regions), cancellationToken: ct);
        var itemTable = await LookupTable.LoadAsync(new MemoryStream("item_type,category,weight\nFruits,Food,1.5\nCereal,Food,0.75\nClothes,Apparel,\n"u8.ToArray()), "items.csv", "item_type", LookupTransform.TableColumns(items), cancellationToken: ct);

        var steps = new List<IBatchTransform>();
        var schema = s_schema;
        void Add(IBatchTransform step)
        {
            steps.Add(step);
            schema = new ParquetSchema([.. schema.Fields, .. step.AddedFields]);
        }

        Add(DeriveTransform.Create(schema,
        [
            new DerivedColumnDefinition(SourceLocation.None, "revenue", "units_sold * unit_price"),
            new DerivedColumnDefinition(SourceLocation.None, "margin", "(unit_price - unit_cost) / unit_price", "decimal(18,4)"),
            new DerivedColumnDefinition(SourceLocation.None, "size", "case when units_sold > 5000 then 'large' when units_sold is null then null else 'small' end"),
            new DerivedColumnDefinition(SourceLocation.None, "label", "concat(upper(trim(country)), '-', year(order_date), '-', coalesce(unit_cost, 0))"),
            new DerivedColumnDefinition(SourceLocation.None, "recent", "order_date >= date '2022-01-01' and not (units_sold < 10)"),
        ]));
        Add(CurrencyConversionTransform.Create(schema, new ConvertCurrencyDefinition(SourceLocation.None, "rates.csv", ["unit_price", "unit_cost", "revenue"], new CurrencySource(Column: "currency"), "order_date"), rates, []));
        Add(LookupTransform.Create(schema, regions, regionTable));
        Add(LookupTransform.Create(schema, items with { OnMissing = RowAction.KeepWithNulls }, itemTable));
        Add(LateRowsTransform.Create(schema, new LateRowsDefinition(SourceLocation.None, "order_date", null), new Dictionary<string, DateOnly> { [""] = new(2019, 1, 1) }, []));
        var chain = new TransformChain(s_schema, steps);

        var batch = new ColumnBatch(chain.OutputSchema, Rows);
        string[] itemNames = ["Fruits", "Cereal", "Clothes"];
        for (var r = 0; r < Rows; r++)
        {
            batch.Column<StringColumn>(0).Append($"Country {r % 50}");
            batch.Column<StringColumn>(1).Append(itemNames[r % 3]);
            batch.Column<StringColumn>(2).Append(r % 2 == 0 ? "EUR" : "GBP");
            batch.Column<Int32Column>(3).Append(18_000 + (r % 2000));
            batch.Column<Int32Column>(4).Append(1 + (r % 9999));
            batch.Column<DecimalColumn>(5).Append((Int128)(100 + r % 5000));
            batch.Column<DecimalColumn>(6).Append((Int128)(50 + r % 3000));
        }

        var rows = new RowDisposition();
        chain.Apply(batch, rows);
        rows.KeptCount.ShouldBe(Rows);
        ResetAddedColumns(batch, s_schema.Fields.Count);

        var before = GC.GetAllocatedBytesForCurrentThread();
        chain.Apply(batch, rows);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        rows.KeptCount.ShouldBe(Rows);
        // 200,000 rows through 5 expressions, 3 conversions and 2 lookups: a per-row allocation of even one object would
        // be several MB. Measured: 0 bytes; the bound leaves room for runtime noise.
        allocated.ShouldBeLessThan(16 * 1024);
    }

    private static void ResetAddedColumns(ColumnBatch batch, int inputColumns)
    {
        for (var c = inputColumns; c < batch.Columns.Count; c++)
        {
            batch[c].Clear();
        }
    }
}
