using Etl.Parquet;

namespace Etl.Core.Enrichment;

/// <summary>Copies values between column buffers of the same physical type.</summary>
internal static class BufferOps
{
    /// <summary>Appends row <paramref name="row"/> of <paramref name="source"/> (value or null) to <paramref name="target"/>.</summary>
    public static void AppendFrom(ColumnBuffer target, ColumnBuffer source, int row)
    {
        if (source.IsNull(row))
        {
            target.AppendNull();
            return;
        }

        switch (target)
        {
            case StringColumn s: s.Append(((StringColumn)source).GetBytes(row)); break;
            case DecimalColumn d: d.Append(((DecimalColumn)source)[row]); break;
            case Int64Column l: l.Append(((Int64Column)source)[row]); break;
            case Int32Column i: i.Append(((Int32Column)source)[row]); break;
            case DoubleColumn f: f.Append(((DoubleColumn)source)[row]); break;
            case BooleanColumn b: b.Append(((BooleanColumn)source)[row]); break;
            default: throw new InvalidOperationException($"Unknown buffer type {target.GetType().Name}.");
        }
    }

    /// <summary>Appends the first <paramref name="count"/> rows of <paramref name="source"/> to <paramref name="target"/>.</summary>
    public static void AppendRange(ColumnBuffer target, ColumnBuffer source, int count)
    {
        switch (target)
        {
            case StringColumn s: CopyStrings(s, (StringColumn)source, count); break;
            case DecimalColumn d: CopyValues(d, (DecimalColumn)source, count); break;
            case Int64Column l: CopyValues(l, (Int64Column)source, count); break;
            case Int32Column i: CopyValues(i, (Int32Column)source, count); break;
            case DoubleColumn f: CopyValues(f, (DoubleColumn)source, count); break;
            case BooleanColumn b: CopyValues(b, (BooleanColumn)source, count); break;
            default: throw new InvalidOperationException($"Unknown buffer type {target.GetType().Name}.");
        }
    }

    /// <summary>Appends <paramref name="count"/> nulls.</summary>
    public static void AppendNulls(ColumnBuffer target, int count)
    {
        for (var i = 0; i < count; i++)
        {
            target.AppendNull();
        }
    }

    private static void CopyValues<T>(PrimitiveColumn<T> target, PrimitiveColumn<T> source, int count)
        where T : unmanaged
    {
        var values = source.Values;
        if (source.NullCount == 0)
        {
            for (var i = 0; i < count; i++)
            {
                target.Append(values[i]);
            }

            return;
        }

        for (var i = 0; i < count; i++)
        {
            if (source.IsNull(i))
            {
                target.AppendNull();
            }
            else
            {
                target.Append(values[i]);
            }
        }
    }

    private static void CopyStrings(StringColumn target, StringColumn source, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (source.IsNull(i))
            {
                target.AppendNull();
            }
            else
            {
                target.Append(source.GetBytes(i));
            }
        }
    }
}
