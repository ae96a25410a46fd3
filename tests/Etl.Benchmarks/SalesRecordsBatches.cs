using System.Globalization;
using System.Text;
using Etl.Parquet;

namespace Etl.Benchmarks;

/// <summary>Deterministic rows shaped like the public "Sales Records" file, already typed in column batches.</summary>
internal static class SalesRecordsBatches
{
    public static readonly ParquetSchema Schema = new(
    [
        new ParquetField("region", ParquetType.String),
        new ParquetField("country", ParquetType.String),
        new ParquetField("item_type", ParquetType.String),
        new ParquetField("sales_channel", ParquetType.String),
        new ParquetField("order_priority", ParquetType.String),
        new ParquetField("sales_rep", ParquetType.String),
        new ParquetField("order_code", ParquetType.String),
        new ParquetField("order_date", ParquetType.Date),
        new ParquetField("ship_date", ParquetType.Date),
        new ParquetField("order_id", ParquetType.Int64),
        new ParquetField("units_sold", ParquetType.Int32),
        ParquetField.Decimal("unit_price", 18, 2),
        ParquetField.Decimal("unit_cost", 18, 2),
        ParquetField.Decimal("total_revenue", 18, 2),
        ParquetField.Decimal("total_cost", 18, 2),
        ParquetField.Decimal("total_profit", 18, 2),
    ]);

    private static readonly string[] s_regions = ["Europe", "Asia", "Sub-Saharan Africa", "Middle East and North Africa", "Central America and the Caribbean", "Australia and Oceania", "North America"];
    private static readonly string[] s_items = ["Baby Food", "Beverages", "Cereal", "Clothes", "Cosmetics", "Fruits", "Household", "Meat", "Office Supplies", "Personal Care", "Snacks", "Vegetables"];
    private static readonly long[] s_prices = [25528, 4733, 20570, 10928, 43728, 932, 66827, 42143, 65121, 8173, 15228, 15407];
    private static readonly long[] s_costs = [15957, 3179, 11785, 3567, 26339, 656, 50254, 36455, 52496, 5654, 9744, 9104];

    public static List<ColumnBatch> Build(int rows, int batchSize = 65536, int seed = 42)
    {
        var random = new Random(seed);
        var batches = new List<ColumnBatch>();
        ColumnBatch? batch = null;
        for (var r = 0; r < rows; r++)
        {
            if (batch is null || batch.RowCount == batchSize)
            {
                batch = new ColumnBatch(Schema, batchSize);
                batches.Add(batch);
            }

            var country = random.Next(185);
            var item = random.Next(s_items.Length);
            var units = 1 + random.Next(9999);
            var orderDate = 14610 + random.Next(2920);
            batch.Column<StringColumn>(0).Append(s_regions[country % s_regions.Length]);
            batch.Column<StringColumn>(1).Append("Country " + country.ToString(CultureInfo.InvariantCulture));
            batch.Column<StringColumn>(2).Append(s_items[item]);
            batch.Column<StringColumn>(3).Append(random.Next(2) == 0 ? "Online" : "Offline");
            batch.Column<StringColumn>(4).Append("LMHC"[random.Next(4)].ToString());
            batch.Column<StringColumn>(5).Append("Rep " + random.Next(500).ToString(CultureInfo.InvariantCulture));
            batch.Column<StringColumn>(6).Append("ORD-" + (100_000_000 + r).ToString(CultureInfo.InvariantCulture));
            batch.Column<Int32Column>(7).Append(orderDate);
            batch.Column<Int32Column>(8).Append(orderDate + random.Next(50));
            batch.Column<Int64Column>(9).Append(100_000_000L + random.Next(900_000_000));
            batch.Column<Int32Column>(10).Append(units);
            var revenue = s_prices[item] * units;
            var cost = s_costs[item] * units;
            batch.Column<DecimalColumn>(11).Append((Int128)s_prices[item]);
            batch.Column<DecimalColumn>(12).Append((Int128)s_costs[item]);
            batch.Column<DecimalColumn>(13).Append((Int128)revenue);
            batch.Column<DecimalColumn>(14).Append((Int128)cost);
            batch.Column<DecimalColumn>(15).Append((Int128)(revenue - cost));
        }

        return batches;
    }

    /// <summary>Writes the batches as CSV with a header (dates ISO, decimals with two places).</summary>
    public static void WriteCsv(IEnumerable<ColumnBatch> batches, string path)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        w.Write(string.Join(',', Schema.Fields.Select(f => f.Name)));
        w.Write('\n');
        var sb = new StringBuilder();
        foreach (var b in batches)
        {
            for (var r = 0; r < b.RowCount; r++)
            {
                sb.Clear();
                for (var c = 0; c < b.Columns.Count; c++)
                {
                    if (c > 0)
                    {
                        sb.Append(',');
                    }

                    switch (b[c])
                    {
                        case StringColumn s: sb.Append(s.GetString(r)); break;
                        case Int32Column i when i.Field.Type == ParquetType.Date: sb.Append(DateOnly.FromDayNumber(719162 + i[r]).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
                        case Int32Column i: sb.Append(i[r]); break;
                        case Int64Column l: sb.Append(l[r]); break;
                        case DecimalColumn d: sb.Append(((decimal)(long)d[r] / 100m).ToString("0.00", CultureInfo.InvariantCulture)); break;
                    }
                }

                sb.Append('\n');
                w.Write(sb);
            }
        }
    }
}
