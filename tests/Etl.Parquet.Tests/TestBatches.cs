using System.Globalization;
using System.Numerics;

namespace Etl.Parquet.Tests;

/// <summary>Null pattern of a generated column.</summary>
public enum Nulls
{
    None,
    All,
    Alternating,
}

/// <summary>Builds batches of every type with deterministic values, and formats expected values as DuckDB prints them.</summary>
internal static class TestBatches
{
    public static readonly ParquetSchema AllTypes = new(
    [
        new ParquetField("id", ParquetType.Int64, Nullable: false),
        new ParquetField("b", ParquetType.Boolean),
        new ParquetField("i32", ParquetType.Int32),
        new ParquetField("i64", ParquetType.Int64),
        new ParquetField("dbl", ParquetType.Double),
        new ParquetField("s", ParquetType.String),
        new ParquetField("dt", ParquetType.Date),
        ParquetField.Timestamp("ts_utc"),
        ParquetField.Timestamp("ts_local", isAdjustedToUtc: false),
        ParquetField.Decimal("d9", 9, 2),
        ParquetField.Decimal("d18", 18, 4),
        ParquetField.Decimal("d38", 38, 10),
    ]);

    private static readonly string[] s_words = ["alpha", "", "Ünïcødé ✓", "日本語", "emoji 🚀", "quote \"x\"", "comma, here", "line\nbreak"];

    public static ColumnBatch Build(int rows, Nulls nulls, ParquetSchema? schema = null)
    {
        schema ??= AllTypes;
        var batch = new ColumnBatch(schema, rows);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < schema.Fields.Count; c++)
            {
                var col = batch[c];
                var isNull = col.Field.Nullable && (nulls == Nulls.All || (nulls == Nulls.Alternating && (r + c) % 2 == 0));
                if (isNull)
                {
                    col.AppendNull();
                    continue;
                }

                switch (col)
                {
                    case BooleanColumn b:
                        b.Append(Bool(r));
                        break;
                    case Int32Column i when col.Field.Type == ParquetType.Date:
                        i.Append(Date(r));
                        break;
                    case Int32Column i:
                        i.Append(Int32(r));
                        break;
                    case Int64Column l when col.Field.Type == ParquetType.Timestamp:
                        l.Append(Timestamp(r));
                        break;
                    case Int64Column l when col.Field.Name == "id":
                        l.Append(r);
                        break;
                    case Int64Column l:
                        l.Append(Int64(r));
                        break;
                    case DoubleColumn d:
                        d.Append(Double(r));
                        break;
                    case StringColumn s:
                        s.Append(String(r));
                        break;
                    case DecimalColumn m:
                        m.Append(Decimal(r, col.Field.Precision));
                        break;
                }
            }
        }

        return batch;
    }

    public static bool Bool(int r) => r % 3 == 0;

    public static int Int32(int r) => r switch
    {
        0 => int.MinValue,
        1 => int.MaxValue,
        _ => (r * 7919) - 50_000,
    };

    public static long Int64(int r) => r switch
    {
        0 => long.MinValue,
        1 => long.MaxValue,
        _ => (r * 1_000_000_007L) - 3,
    };

    public static double Double(int r) => r == 0 ? double.MaxValue : (r * 0.25) - 100.5;

    public static string String(int r) => s_words[r % s_words.Length] + (r % 5 == 0 ? "" : r.ToString(CultureInfo.InvariantCulture));

    // Days since 1970-01-01 from 0001-01-01 (-719162) to 9999-12-31 (2932896).
    public static int Date(int r) => r switch
    {
        0 => -719162,
        1 => 2932896,
        _ => 19000 + r,
    };

    public static long Timestamp(int r) => r switch
    {
        0 => -62135596800000000L,
        _ => 1_700_000_000_000_000L + (r * 1_234_567L),
    };

    /// <summary>Largest values of the precision at the first rows, negative ones at odd rows.</summary>
    public static Int128 Decimal(int r, int precision)
    {
        var max = BigInteger.Pow(10, precision) - 1;
        var value = r switch
        {
            0 => max,
            1 => -max,
            _ => new BigInteger(r) * 104729 * (r % 2 == 0 ? 1 : -1),
        };
        value %= max + 1;
        return (Int128)value;
    }

    /// <summary>An unscaled decimal as DuckDB prints it (scale digits after the point).</summary>
    public static string FormatDecimal(Int128 unscaled, int scale)
    {
        var negative = unscaled < 0;
        var digits = BigInteger.Abs((BigInteger)unscaled).ToString(CultureInfo.InvariantCulture);
        if (scale > 0)
        {
            digits = digits.PadLeft(scale + 1, '0');
            digits = digits[..^scale] + "." + digits[^scale..];
        }

        return (negative ? "-" : "") + digits;
    }

    public static string FormatDate(int days) => DateOnly.FromDayNumber(719162 + days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
