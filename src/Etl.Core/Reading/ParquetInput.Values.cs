using System.Globalization;
using System.Text;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Typing;
using Etl.Parquet;

namespace Etl.Core.Reading;

/// <summary>A loaded column of a row group: raw (typed) values, or CLR values seen as text.</summary>
internal sealed partial class ParquetInput
{
    /// <summary>One loaded column of a row group: null test, its value as UTF-8 text, and as JSON for rescue.</summary>
    private abstract class ParquetColumnValues
    {
        public abstract bool IsNull(int row);

        public abstract bool TryFormat(int row, Span<byte> destination, out int written);

        /// <summary>Appends the row's value to the column without text, or says why not (see <see cref="IFieldRecord.TryAppendTyped"/>).</summary>
        public virtual TypedAppend TryAppend(int row, ColumnBuffer target, ColumnDefinition definition, out string? reason)
        {
            reason = null;
            return TypedAppend.NotTyped;
        }

        public virtual void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (IsNull(row))
            {
                writer.WriteNullValue();
                return;
            }

            Span<byte> text = stackalloc byte[128];
            if (TryFormat(row, text, out var n))
            {
                writer.WriteStringValue(text[..n]);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    private sealed class StringValues(string?[] values) : ParquetColumnValues
    {
        public override bool IsNull(int row) => values[row] is null;

        public override bool TryFormat(int row, Span<byte> destination, out int written) =>
            Encoding.UTF8.TryGetBytes(values[row] ?? "", destination, out written);

        public override void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (values[row] is { } s)
            {
                writer.WriteStringValue(s);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    private sealed class BinaryValues(byte[]?[] values) : ParquetColumnValues
    {
        public override bool IsNull(int row) => values[row] is null;

        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var v = values[row] ?? [];
            written = v.Length;
            return v.AsSpan().TryCopyTo(destination);
        }

        public override void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (values[row] is { } v)
            {
                writer.WriteBase64StringValue(v);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    private sealed class BooleanValues(bool?[] values) : ParquetColumnValues
    {
        public override bool IsNull(int row) => !values[row].HasValue;

        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var text = values[row].GetValueOrDefault() ? "true"u8 : "false"u8;
            written = text.Length;
            return text.TryCopyTo(destination);
        }

        public override void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (values[row] is { } b)
            {
                writer.WriteBooleanValue(b);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    /// <summary>
    /// Values of a struct type. Numbers print invariant and round-trippable; dates as yyyy-MM-dd; timestamps as ISO 8601
    /// in UTC with seven decimals (a timestamp without a zone is taken as UTC, as in text input).
    /// </summary>
    private sealed class StructValues<T>(T?[] values) : ParquetColumnValues
        where T : struct, IUtf8SpanFormattable
    {
        public override bool IsNull(int row) => !values[row].HasValue;

        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var v = values[row].GetValueOrDefault();
            switch (v)
            {
                case DateTime dt:
                    var utc = dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt;
                    return utc.TimeOfDay == TimeSpan.Zero
                        ? utc.TryFormat(destination, out written, "yyyy-MM-dd", CultureInfo.InvariantCulture)
                        : utc.TryFormat(destination, out written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
                case DateTimeOffset dto:
                    return dto.UtcDateTime.TryFormat(destination, out written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
                case DateOnly d:
                    return d.TryFormat(destination, out written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                case double or float:
                    return v.TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
                default:
                    return v.TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
            }
        }

        /// <summary>Decimals Parquet.Net decodes (FIXED_LEN_BYTE_ARRAY, BYTE_ARRAY) go in as their mantissa and scale.</summary>
        public override TypedAppend TryAppend(int row, ColumnBuffer target, ColumnDefinition definition, out string? reason)
        {
            reason = null;
            if (typeof(T) != typeof(decimal) || definition.Field.Type != ParquetType.Decimal || values[row] is not { } v)
            {
                return TypedAppend.NotTyped;
            }

            Span<int> bits = stackalloc int[4];
            _ = decimal.GetBits(System.Runtime.CompilerServices.Unsafe.As<T, decimal>(ref v), bits);
            var mantissa = ((Int128)(uint)bits[2] << 64) | ((Int128)(uint)bits[1] << 32) | (uint)bits[0];
            return AppendDecimal(bits[3] < 0 ? -mantissa : mantissa, (bits[3] >> 16) & 0xFF, target, definition, out reason);
        }

        public override void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (values[row] is not { } v)
            {
                writer.WriteNullValue();
                return;
            }

            switch (v)
            {
                case int i: writer.WriteNumberValue(i); break;
                case long l: writer.WriteNumberValue(l); break;
                case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
                case decimal m: writer.WriteNumberValue(m); break;
                default: base.WriteJson(row, writer); break;
            }
        }
    }

    /// <summary>The raw arrays a declared column is read into, kept for the next row group (grown when it has more rows).</summary>
    private sealed class RawBuffers
    {
        public int[]? Defs;
        public bool[]? Nulls;
        public long[]? Longs;
        public int[]? Ints;
        public double[]? Doubles;
        public float[]? Floats;
        public bool[]? Booleans;
        public ReadOnlyMemory<byte>[]? Bytes;
        public Int128[]? Wide;

        /// <summary>Lets go of what the values point into (string bytes belong to Parquet.Net's buffers of the group).</summary>
        public void Release()
        {
            if (Bytes is not null)
            {
                Array.Clear(Bytes);
            }
        }

        public static T[] Sized<T>(ref T[]? buffer, int rows)
        {
            if (buffer is null || buffer.Length < rows)
            {
                buffer = null; // the old one goes before the new one is allocated
                buffer = new T[rows];
            }

            return buffer;
        }
    }

    /// <summary>Values read raw, at their rows (see <see cref="Spread"/>); a row is null when its definition level is short.</summary>
    private abstract class RawValues<T>(T[] values, bool[]? nulls) : ParquetColumnValues
    {
        protected T[] Values => values;

        public sealed override bool IsNull(int row) => nulls is not null && nulls[row];

        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            written = 0;
            return true;
        }
    }

    /// <summary>Integers (INT32 / INT64, of any width or sign); <paramref name="unsigned64"/>: the longs are UINT64 bits.</summary>
    private sealed class IntegerValues(long[] values, bool[]? nulls, bool unsigned64) : RawValues<long>(values, nulls)
    {
        public override bool TryFormat(int row, Span<byte> destination, out int written) => unsigned64
            ? ((ulong)Values[row]).TryFormat(destination, out written, default, CultureInfo.InvariantCulture)
            : Values[row].TryFormat(destination, out written, default, CultureInfo.InvariantCulture);

        public override TypedAppend TryAppend(int row, ColumnBuffer target, ColumnDefinition definition, out string? reason)
        {
            reason = null;
            if (IsNull(row))
            {
                return TypedAppend.NotTyped;
            }

            var v = Values[row];
            var negativeAsSigned = unsigned64 && v < 0; // a UINT64 past long.MaxValue
            switch (definition.Field.Type)
            {
                case ParquetType.Int32:
                    if (negativeAsSigned || v is < int.MinValue or > int.MaxValue)
                    {
                        reason = RejectReasons.NotInt32;
                        return TypedAppend.Rejected;
                    }

                    ((Int32Column)target).Append((int)v);
                    return TypedAppend.Appended;
                case ParquetType.Int64:
                    if (negativeAsSigned)
                    {
                        reason = RejectReasons.NotInt64;
                        return TypedAppend.Rejected;
                    }

                    ((Int64Column)target).Append(v);
                    return TypedAppend.Appended;
                case ParquetType.Double when !unsigned64:
                    ((DoubleColumn)target).Append((double)v);
                    return TypedAppend.Appended;
                case ParquetType.Decimal when !negativeAsSigned:
                    return AppendDecimal(v, 0, target, definition, out reason);
                default:
                    return TypedAppend.NotTyped;
            }
        }
    }

    /// <summary>DATE: days since 1970-01-01.</summary>
    private sealed class DateValues(long[] values, bool[]? nulls) : RawValues<long>(values, nulls)
    {
        public override bool TryFormat(int row, Span<byte> destination, out int written) =>
            DateOnly.FromDayNumber((int)Values[row] + ValueParser.EpochDayNumber).TryFormat(destination, out written, "yyyy-MM-dd", CultureInfo.InvariantCulture);

        public override TypedAppend TryAppend(int row, ColumnBuffer target, ColumnDefinition definition, out string? reason)
        {
            reason = null;
            if (IsNull(row) || definition.Field.Type != ParquetType.Date)
            {
                return TypedAppend.NotTyped;
            }

            ((Int32Column)target).Append((int)Values[row]);
            return TypedAppend.Appended;
        }
    }

    /// <summary>TIMESTAMP (millis, micros, nanos) as UTC ticks.</summary>
    private sealed class TimestampValues(long[] values, bool[]? nulls) : RawValues<long>(values, nulls)
    {
        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var utc = new DateTime(Values[row], DateTimeKind.Utc);
            return utc.TimeOfDay == TimeSpan.Zero
                ? utc.TryFormat(destination, out written, "yyyy-MM-dd", CultureInfo.InvariantCulture)
                : utc.TryFormat(destination, out written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
        }

        public override TypedAppend TryAppend(int row, ColumnBuffer target, ColumnDefinition definition, out string? reason)
        {
            reason = null;
            if (IsNull(row) || definition.Field.Type != ParquetType.Timestamp)
            {
                return TypedAppend.NotTyped;
            }

            // Microseconds, truncated toward zero as the text's ticks are.
            ((Int64Column)target).Append((Values[row] - DateTime.UnixEpoch.Ticks) / 10);
            return TypedAppend.Appended;
        }
    }

    /// <summary>DECIMAL stored as INT32 / INT64: the unscaled value at the file's scale.</summary>
    private sealed class DecimalValues(long[] values, bool[]? nulls, byte scale) : RawValues<long>(values, nulls)
    {
        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var v = Values[row];
            var magnitude = v < 0 ? (ulong)(-(v + 1)) + 1 : (ulong)v;
            return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, v < 0, scale).TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
        }

        public override TypedAppend TryAppend(int row, ColumnBuffer target, ColumnDefinition definition, out string? reason)
        {
            reason = null;
            return IsNull(row) || definition.Field.Type != ParquetType.Decimal
                ? TypedAppend.NotTyped
                : AppendDecimal(Values[row], scale, target, definition, out reason);
        }
    }

    /// <summary>DECIMAL of more than 28 digits (FIXED_LEN_BYTE_ARRAY / BYTE_ARRAY), exact, for a decimal column.</summary>
    private sealed class WideDecimalValues(Int128[] values, bool[]? nulls, int scale) : RawValues<Int128>(values, nulls)
    {
        public override bool TryFormat(int row, Span<byte> destination, out int written) =>
            Encoding.UTF8.TryGetBytes(DecimalText.Format(Values[row], scale), destination, out written);

        public override TypedAppend TryAppend(int row, ColumnBuffer target, ColumnDefinition definition, out string? reason)
        {
            reason = null;
            return IsNull(row) || definition.Field.Type != ParquetType.Decimal
                ? TypedAppend.NotTyped
                : AppendDecimal(Values[row], scale, target, definition, out reason);
        }
    }

    private sealed class DoubleValues(double[] values, bool[]? nulls) : RawValues<double>(values, nulls)
    {
        public override bool TryFormat(int row, Span<byte> destination, out int written) =>
            Values[row].TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);

        public override TypedAppend TryAppend(int row, ColumnBuffer target, ColumnDefinition definition, out string? reason)
        {
            reason = null;
            if (IsNull(row) || definition.Field.Type != ParquetType.Double)
            {
                return TypedAppend.NotTyped;
            }

            var v = Values[row];
            if (!double.IsFinite(v))
            {
                reason = RejectReasons.NotANumber;
                return TypedAppend.Rejected;
            }

            ((DoubleColumn)target).Append(v);
            return TypedAppend.Appended;
        }
    }

    /// <summary>FLOAT: typed from its shortest text, so that 0.1f is the double 0.1 as it has always been.</summary>
    private sealed class FloatValues(float[] values, bool[]? nulls) : RawValues<float>(values, nulls)
    {
        public override bool TryFormat(int row, Span<byte> destination, out int written) =>
            Values[row].TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
    }

    private sealed class BoolValues(bool[] values, bool[]? nulls) : RawValues<bool>(values, nulls)
    {
        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var text = Values[row] ? "true"u8 : "false"u8;
            written = text.Length;
            return text.TryCopyTo(destination);
        }

        public override TypedAppend TryAppend(int row, ColumnBuffer target, ColumnDefinition definition, out string? reason)
        {
            reason = null;
            if (IsNull(row) || definition.Field.Type != ParquetType.Boolean)
            {
                return TypedAppend.NotTyped;
            }

            ((BooleanColumn)target).Append(Values[row]);
            return TypedAppend.Appended;
        }
    }

    /// <summary>UTF-8 strings as their bytes; the text path trims and checks them as it does CSV fields.</summary>
    private sealed class Utf8Values(ReadOnlyMemory<byte>[] values, bool[]? nulls) : RawValues<ReadOnlyMemory<byte>>(values, nulls)
    {
        public ReadOnlySpan<byte> Get(int row) => Values[row].Span;

        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var v = Values[row].Span;
            written = v.Length;
            return v.TryCopyTo(destination);
        }
    }

    private static TypedAppend AppendDecimal(Int128 unscaled, int fromScale, ColumnBuffer target, ColumnDefinition definition, out string? reason)
    {
        if (!ValueParser.TryRescaleDecimal(unscaled, fromScale, definition.Field.Precision, definition.Field.Scale, out var value, out reason))
        {
            return TypedAppend.Rejected;
        }

        ((DecimalColumn)target).Append(value);
        return TypedAppend.Appended;
    }
}
