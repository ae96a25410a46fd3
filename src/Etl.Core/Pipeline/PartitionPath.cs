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

    public static string ForRow(DatasetDefinition ds, ColumnBatch batch, int row, IReadOnlyDictionary<string, string> captures, StringBuilder sb)
    {
        sb.Clear();
        foreach (var key in ds.PartitionBy)
        {
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

        return sb.ToString();
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
        sb.Append(value.ToString(CultureInfo.InvariantCulture));
    }

    private static void AppendValue(ColumnBuffer col, int row, StringBuilder sb)
    {
        if (col.IsNull(row))
        {
            sb.Append(NullValue);
            return;
        }

        var text = col switch
        {
            StringColumn s => s.GetString(row)!,
            Int32Column i when col.Field.Type == ParquetType.Date => DateOnly.FromDayNumber(ValueParser.EpochDayNumber + i[row]).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Int32Column i => i[row].ToString(CultureInfo.InvariantCulture),
            Int64Column l => l[row].ToString(CultureInfo.InvariantCulture),
            BooleanColumn b => b[row] ? "true" : "false",
            DoubleColumn d => d[row].ToString("R", CultureInfo.InvariantCulture),
            DecimalColumn m => DecimalText.Format(m[row], col.Field.Scale),
            _ => "",
        };
        Escape(text, sb);
    }

    /// <summary>Percent-escapes what Hive escapes in partition values (so '/' or '=' in a value cannot change the path).</summary>
    private static void Escape(string value, StringBuilder sb)
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
