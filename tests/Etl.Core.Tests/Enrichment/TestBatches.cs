using Etl.Core.Enrichment;
using Etl.Parquet;

namespace Etl.Core.Tests.Enrichment;

/// <summary>Builds typed batches for transform tests: rows given as object arrays, null for SQL null.</summary>
internal static class TestBatches
{
    public static readonly DateOnly Epoch = new(1970, 1, 1);

    public static int Days(string isoDate) => DateOnly.Parse(isoDate, System.Globalization.CultureInfo.InvariantCulture).DayNumber - Epoch.DayNumber;

    /// <summary>A batch with <paramref name="outputSchema"/> whose first input columns hold <paramref name="rows"/>.</summary>
    public static ColumnBatch Fill(ParquetSchema outputSchema, int inputColumns, params object?[][] rows)
    {
        var batch = new ColumnBatch(outputSchema, Math.Max(16, rows.Length));
        foreach (var row in rows)
        {
            for (var c = 0; c < inputColumns; c++)
            {
                Append(batch[c], row[c]);
            }
        }

        return batch;
    }

    public static void Append(ColumnBuffer column, object? value)
    {
        if (value is null)
        {
            column.AppendNull();
            return;
        }

        switch (column)
        {
            case StringColumn s: s.Append((string)value); break;
            case Int32Column i when column.Field.Type == ParquetType.Date: i.Append(Days((string)value)); break;
            case Int32Column i: i.Append(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case Int64Column l: l.Append(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case DoubleColumn d: d.Append(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            case BooleanColumn b: b.Append((bool)value); break;
            case DecimalColumn m: m.Append(Unscaled((string)value, column.Field.Scale)); break;
        }
    }

    /// <summary>"12.5" at scale 2 is 1250.</summary>
    public static Int128 Unscaled(string text, int scale)
    {
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        var dot = digits.IndexOf('.', StringComparison.Ordinal);
        var fraction = dot < 0 ? "" : digits[(dot + 1)..];
        var whole = dot < 0 ? digits : digits[..dot];
        var value = Int128.Parse(whole + fraction.PadRight(scale, '0')[..scale], System.Globalization.CultureInfo.InvariantCulture);
        return negative ? -value : value;
    }

    /// <summary>Row <paramref name="row"/> of column <paramref name="name"/> as text (decimals at their scale, dates ISO), or null.</summary>
    public static string? Text(ColumnBatch batch, string name, int row)
    {
        var column = batch[batch.Schema.IndexOf(name)];
        if (column.IsNull(row))
        {
            return null;
        }

        return column switch
        {
            StringColumn s => s.GetString(row),
            DecimalColumn d => Etl.Core.Typing.DecimalText.Format(d[row], column.Field.Scale),
            Int32Column i when column.Field.Type == ParquetType.Date => Epoch.AddDays(i[row]).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Int32Column i => i[row].ToString(System.Globalization.CultureInfo.InvariantCulture),
            Int64Column l => l[row].ToString(System.Globalization.CultureInfo.InvariantCulture),
            DoubleColumn f => f[row].ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            BooleanColumn b => b[row] ? "true" : "false",
            _ => null,
        };
    }

    /// <summary>Runs <paramref name="chain"/> over rows and returns the batch and dispositions.</summary>
    public static (ColumnBatch Batch, RowDisposition Rows) Run(TransformChain chain, params object?[][] rows)
    {
        var batch = Fill(chain.OutputSchema, chain.InputSchema.Fields.Count, rows);
        var dispositions = new RowDisposition();
        chain.Apply(batch, dispositions);
        return (batch, dispositions);
    }
}
