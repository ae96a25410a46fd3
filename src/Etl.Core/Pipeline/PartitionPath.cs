using System.Globalization;
using System.Text;
using Etl.Core.Definition;
using Etl.Core.Typing;
using Etl.Parquet;

namespace Etl.Core.Pipeline;

/// <summary>Builds Hive-style partition paths (<c>k1=v1/k2=v2</c>) for rows of a batch.</summary>
internal static class PartitionPath
{
    public const string NullValue = "__HIVE_DEFAULT_PARTITION__";

    /// <summary>Writes the partition path of one row into <paramref name="sb"/> (cleared first) without allocating per value.</summary>
    public static void AppendRow(DatasetDefinition ds, ColumnBatch batch, int row, IReadOnlyDictionary<string, string> captures, StringBuilder sb)
    {
        sb.Clear();
        var keys = ds.PartitionBy;

        // An index loop: foreach over the IReadOnlyList would box an enumerator for every row.
        for (var k = 0; k < keys.Count; k++)
        {
            var key = keys[k];
            if (sb.Length > 0)
            {
                sb.Append('/');
            }

            sb.Append(key.Name).Append('=');
            switch (key.Source)
            {
                case PartitionSource.Capture:
                    Escape(captures[key.Capture!], sb);
                    break;
                case PartitionSource.Column:
                    AppendValue(batch[key.Column], row, sb);
                    break;
                default:
                    AppendDatePart(batch[key.Column], row, key.Source, sb);
                    break;
            }
        }
    }

    private static void AppendDatePart(ColumnBuffer col, int row, PartitionSource part, StringBuilder sb)
    {
        if (col.IsNull(row))
        {
            sb.Append(NullValue);
            return;
        }

        var date = col is Int32Column d
            ? DateOnly.FromDayNumber(ValueParser.EpochDayNumber + d[row])
            : DateOnly.FromDateTime(DateTime.UnixEpoch.AddTicks(((Int64Column)col)[row] * 10));
        var value = part switch
        {
            PartitionSource.Year => date.Year,
            PartitionSource.Month => date.Month,
            _ => date.Day,
        };
        sb.Append(CultureInfo.InvariantCulture, $"{value}");
    }

    private static void AppendValue(ColumnBuffer col, int row, StringBuilder sb)
    {
        if (col.IsNull(row))
        {
            sb.Append(NullValue);
            return;
        }

        Span<char> chars = stackalloc char[64];
        int n;
        switch (col)
        {
            case StringColumn s:
                var bytes = s.GetBytes(row);
                if (bytes.Length > 256)
                {
                    Escape(Encoding.UTF8.GetString(bytes), sb);
                    return;
                }

                Span<char> text = stackalloc char[256];
                n = Encoding.UTF8.GetChars(bytes, text);
                Escape(text[..n], sb);
                return;
            case Int32Column i when col.Field.Type == ParquetType.Date:
                DateOnly.FromDayNumber(ValueParser.EpochDayNumber + i[row]).TryFormat(chars, out n, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                break;
            case Int32Column i:
                i[row].TryFormat(chars, out n, default, CultureInfo.InvariantCulture);
                break;
            case Int64Column l:
                l[row].TryFormat(chars, out n, default, CultureInfo.InvariantCulture);
                break;
            case BooleanColumn b:
                sb.Append(b[row] ? "true" : "false");
                return;
            case DoubleColumn d:
                d[row].TryFormat(chars, out n, "R", CultureInfo.InvariantCulture);
                break;
            case DecimalColumn m:
                Escape(DecimalText.Format(m[row], col.Field.Scale), sb);
                return;
            default:
                n = 0;
                break;
        }

        Escape(chars[..n], sb);
    }

    /// <summary>Percent-escapes what Hive escapes in partition values (so '/' or '=' in a value cannot change the path).</summary>
    private static void Escape(ReadOnlySpan<char> value, StringBuilder sb)
    {
        if (value.Length == 0)
        {
            sb.Append(NullValue);
            return;
        }

        foreach (var c in value)
        {
            if (c < 0x20 || c is '"' or '#' or '%' or '\'' or '*' or '/' or ':' or '=' or '?' or '\\' or '\x7F' or '{' or '[' or ']' or '^')
            {
                sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }
    }
}
