using System.Globalization;
using Etl.Parquet;
using Npgsql;

namespace Etl.Sources.Postgres;

/// <summary>How one PostgreSQL column is selected and appended to its Parquet column.</summary>
internal enum ValueKind
{
    Boolean,
    Int16,
    Int32,
    Int64,
    Float,
    Double,
    Decimal,
    Date,
    Timestamp,
    Text,
}

/// <summary>One extracted column: its name, its PostgreSQL type, the Parquet field it becomes and how it is read.</summary>
internal sealed record SourceColumn(string Name, string TypeName, ValueKind Kind, ParquetField Field)
{
    private static readonly long s_epochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly int s_epochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>
    /// Maps a column from the catalog (<c>typname</c>, <c>atttypmod</c>). Numerics with a declared precision up to 38
    /// become decimals (read as text, so no digit is lost through System.Decimal); unconstrained numerics, and every
    /// type without a Parquet counterpart (uuid, json, arrays, enums, ...), are extracted as their PostgreSQL text.
    /// </summary>
    public static SourceColumn Map(string name, string typeName, int typmod)
    {
        switch (typeName)
        {
            case "bool": return new(name, typeName, ValueKind.Boolean, new ParquetField(name, ParquetType.Boolean));
            case "int2": return new(name, typeName, ValueKind.Int16, new ParquetField(name, ParquetType.Int32));
            case "int4": return new(name, typeName, ValueKind.Int32, new ParquetField(name, ParquetType.Int32));
            case "int8": return new(name, typeName, ValueKind.Int64, new ParquetField(name, ParquetType.Int64));
            case "float4": return new(name, typeName, ValueKind.Float, new ParquetField(name, ParquetType.Double));
            case "float8": return new(name, typeName, ValueKind.Double, new ParquetField(name, ParquetType.Double));
            case "date": return new(name, typeName, ValueKind.Date, new ParquetField(name, ParquetType.Date));
            case "timestamptz": return new(name, typeName, ValueKind.Timestamp, ParquetField.Timestamp(name));

            // A timestamp without time zone is taken as UTC, as the pipeline takes a text timestamp without offset.
            case "timestamp": return new(name, typeName, ValueKind.Timestamp, ParquetField.Timestamp(name));
            case "numeric" when typmod >= 4:
                var precision = ((typmod - 4) >> 16) & 0xFFFF;
                var scale = (typmod - 4) & 0xFFFF;
                if (precision is >= 1 and <= 38 && scale <= precision)
                {
                    return new(name, typeName, ValueKind.Decimal, ParquetField.Decimal(name, precision, scale));
                }

                break;
        }

        return new(name, typeName, ValueKind.Text, new ParquetField(name, ParquetType.String));
    }

    /// <summary>The select-list expression (text-read columns are cast to text on the server).</summary>
    public string Select(string alias) =>
        Kind is ValueKind.Text or ValueKind.Decimal ? $"{alias}.{Sql.Q(Name)}::text AS {Sql.Q(Name)}" : $"{alias}.{Sql.Q(Name)}";

    /// <summary>Appends the reader's value at <paramref name="ordinal"/> to <paramref name="column"/>.</summary>
    public void Append(NpgsqlDataReader reader, int ordinal, ColumnBuffer column)
    {
        if (reader.IsDBNull(ordinal))
        {
            column.AppendNull();
            return;
        }

        switch (Kind)
        {
            case ValueKind.Boolean: ((BooleanColumn)column).Append(reader.GetBoolean(ordinal)); break;
            case ValueKind.Int16: ((Int32Column)column).Append(reader.GetInt16(ordinal)); break;
            case ValueKind.Int32: ((Int32Column)column).Append(reader.GetInt32(ordinal)); break;
            case ValueKind.Int64: ((Int64Column)column).Append(reader.GetInt64(ordinal)); break;
            case ValueKind.Float: ((DoubleColumn)column).Append(reader.GetFloat(ordinal)); break;
            case ValueKind.Double: ((DoubleColumn)column).Append(reader.GetDouble(ordinal)); break;
            case ValueKind.Date: ((Int32Column)column).Append(reader.GetFieldValue<DateOnly>(ordinal).DayNumber - s_epochDay); break;
            case ValueKind.Timestamp: ((Int64Column)column).Append((reader.GetFieldValue<DateTime>(ordinal).Ticks - s_epochTicks) / 10); break;
            case ValueKind.Decimal: ((DecimalColumn)column).Append(Unscaled(reader.GetString(ordinal), Field.Scale)); break;
            default: ((StringColumn)column).Append(reader.GetString(ordinal)); break;
        }
    }

    /// <summary>Whether this type can be a watermark: it orders every insert and update.</summary>
    public bool CanBeWatermark => Kind is ValueKind.Int16 or ValueKind.Int32 or ValueKind.Int64 or ValueKind.Date or ValueKind.Timestamp;

    /// <summary>Whether the watermark is a point in time (its lag is a duration) rather than an id (its lag is a count).</summary>
    public bool IsTimeWatermark => Kind is ValueKind.Date or ValueKind.Timestamp;

    /// <summary>The watermark's ordinal (ticks, day number or value) of the reader's value at <paramref name="ordinal"/>.</summary>
    public long WatermarkOrdinal(NpgsqlDataReader reader, int ordinal) => Kind switch
    {
        ValueKind.Int16 => reader.GetInt16(ordinal),
        ValueKind.Int32 => reader.GetInt32(ordinal),
        ValueKind.Int64 => reader.GetInt64(ordinal),
        ValueKind.Date => reader.GetFieldValue<DateOnly>(ordinal).DayNumber,
        _ => reader.GetFieldValue<DateTime>(ordinal).Ticks,
    };

    /// <summary>A watermark ordinal as a SQL literal of the column's type (built from a number: nothing of the user's is in it).</summary>
    public string WatermarkLiteral(long value) => Kind switch
    {
        ValueKind.Date => $"DATE '{DateOnly.FromDayNumber((int)Math.Clamp(value, DateOnly.MinValue.DayNumber, DateOnly.MaxValue.DayNumber)):yyyy-MM-dd}'",
        ValueKind.Timestamp when TypeName == "timestamptz" =>
            $"TIMESTAMPTZ '{new DateTime(Math.Max(0, value), DateTimeKind.Utc):yyyy-MM-dd HH:mm:ss.ffffff}+00'",
        ValueKind.Timestamp => $"TIMESTAMP '{new DateTime(Math.Max(0, value), DateTimeKind.Utc):yyyy-MM-dd HH:mm:ss.ffffff}'",
        _ => value.ToString(CultureInfo.InvariantCulture) + "::bigint",
    };

    /// <summary>A watermark ordinal for people.</summary>
    public string WatermarkText(long value) => Kind switch
    {
        ValueKind.Date => DateOnly.FromDayNumber((int)value).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ValueKind.Timestamp => new DateTime(value, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + (TypeName == "timestamptz" ? "Z" : ""),
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>PostgreSQL's text of a numeric(p,s) (always exactly s decimals) as the unscaled integer.</summary>
    internal static Int128 Unscaled(string text, int scale)
    {
        var negative = text.StartsWith('-');
        Int128 value = 0;
        var decimals = -1;
        foreach (var c in negative ? text.AsSpan(1) : text.AsSpan())
        {
            if (c == '.')
            {
                decimals = 0;
                continue;
            }

            if (c is < '0' or > '9')
            {
                throw new FormatException($"'{text}' is not a finite numeric (NaN and infinities have no Parquet decimal).");
            }

            value = (value * 10) + (c - '0');
            if (decimals >= 0)
            {
                decimals++;
            }
        }

        for (var d = Math.Max(decimals, 0); d < scale; d++)
        {
            value *= 10;
        }

        return negative ? -value : value;
    }
}

/// <summary>SQL identifier quoting.</summary>
internal static class Sql
{
    public static string Q(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
