using Etl.Parquet;

namespace Etl.Warehouse.Tests;

/// <summary>A small sales dataset: its warehouse declaration and batches built row by row.</summary>
internal static class SalesData
{
    public static readonly ParquetSchema Schema = new(
    [
        new ParquetField("order_id", ParquetType.Int64, Nullable: false),
        new ParquetField("order_date", ParquetType.Date),
        new ParquetField("customer_id", ParquetType.String),
        new ParquetField("customer_name", ParquetType.String),
        new ParquetField("sales_person", ParquetType.String),
        new ParquetField("region", ParquetType.String),
        ParquetField.Decimal("total", 18, 2),
        ParquetField.Decimal("big", 38, 10),
        ParquetField.Timestamp("shipped_at"),
        new ParquetField("note", ParquetType.String),
    ]);

    public static WarehouseDataset Dataset(ScdType customerScd = ScdType.Type1) => new(
        "sales",
        "fact_sales",
        ["total", "big", "order_id", "shipped_at", "note"],
        [
            new WarehouseDimension("dim_customer", ["customer_id"], ["customer_name", "region"], customerScd),
            new WarehouseDimension("dim_sales_person", ["sales_person"], []),
        ],
        "order_date",
        [
            new WarehouseMart("customer_monthly_purchases", "dim_customer", "total"),
            new WarehouseMart("sales_person_monthly_sales", "dim_sales_person", "total", TopPerformer: true),
        ]);

    public sealed record Row(long OrderId, DateOnly? Date, string? Customer, string? CustomerName, string? SalesPerson, string? Region, Int128? TotalCents, Int128? Big, DateTime? Shipped, string? Note);

    public static ColumnBatch Batch(IEnumerable<Row> rows)
    {
        var b = new ColumnBatch(Schema);
        foreach (var r in rows)
        {
            b.Column<Int64Column>(0).Append(r.OrderId);
            Append(b.Column<Int32Column>(1), r.Date is { } d ? d.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber : null);
            b.Column<StringColumn>(2).Append(r.Customer);
            b.Column<StringColumn>(3).Append(r.CustomerName);
            b.Column<StringColumn>(4).Append(r.SalesPerson);
            b.Column<StringColumn>(5).Append(r.Region);
            Append(b.Column<DecimalColumn>(6), r.TotalCents);
            Append(b.Column<DecimalColumn>(7), r.Big);
            Append(b.Column<Int64Column>(8), r.Shipped is { } t ? (t - DateTime.UnixEpoch).Ticks / 10 : null);
            b.Column<StringColumn>(9).Append(r.Note);
        }

        return b;
    }

    /// <summary>Deterministic rows: customers c0..c(customers-1), sales people p0..p3, dates over three months of 2024.</summary>
    public static List<Row> Generate(int count, int seed, int customers = 7)
    {
        var rnd = new Random(seed);
        var rows = new List<Row>(count);
        for (var i = 0; i < count; i++)
        {
            var c = rnd.Next(customers);
            rows.Add(new Row(
                (seed * 1_000_000L) + i,
                new DateOnly(2024, 1, 1).AddDays(rnd.Next(90)),
                "c" + c,
                "Customer " + c,
                "p" + rnd.Next(4),
                "r" + (c % 3),
                rnd.Next(1, 1_000_000),
                null,
                null,
                null));
        }

        return rows;
    }

    private static void Append<T>(PrimitiveColumn<T> col, T? value)
        where T : unmanaged
    {
        if (value is { } v)
        {
            col.Append(v);
        }
        else
        {
            col.AppendNull();
        }
    }
}
