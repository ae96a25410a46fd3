using System.Runtime.CompilerServices;

namespace Etl.Parquet;

/// <summary>A column of fixed-size values of type <typeparamref name="T"/>.</summary>
public abstract class PrimitiveColumn<T> : ColumnBuffer
    where T : unmanaged
{
    private T[] _values;

    /// <summary>Creates the buffer.</summary>
    protected PrimitiveColumn(ParquetField field, int capacity)
        : base(field, capacity) => _values = new T[Math.Max(1, capacity)];

    /// <summary>The values of the rows in the buffer; entries at null rows are default.</summary>
    public Span<T> Values => _values.AsSpan(0, Count);

    /// <summary>Value at <paramref name="index"/> (default when null).</summary>
    public T this[int index] => _values[index];

    /// <summary>Appends a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(T value)
    {
        EnsureCapacity(Count + 1);
        _values[Count] = value;
        CommitValue();
    }

    /// <summary>Appends a value, or a null when <paramref name="value"/> has none.</summary>
    public void Append(T? value)
    {
        if (value.HasValue)
        {
            Append(value.GetValueOrDefault());
        }
        else
        {
            AppendNull();
        }
    }

    private protected override int Capacity => _values.Length;

    private protected override void GrowValues(int rows) => Array.Resize(ref _values, rows);

    private protected override void AppendDefaultValue() => _values[Count] = default;
}

/// <summary>BOOLEAN values.</summary>
public sealed class BooleanColumn(ParquetField field, int capacity = 1024) : PrimitiveColumn<bool>(field, capacity);

/// <summary>INT32 values, and DATE as days since 1970-01-01.</summary>
public sealed class Int32Column(ParquetField field, int capacity = 1024) : PrimitiveColumn<int>(field, capacity);

/// <summary>INT64 values, and TIMESTAMP as microseconds since 1970-01-01.</summary>
public sealed class Int64Column(ParquetField field, int capacity = 1024) : PrimitiveColumn<long>(field, capacity);

/// <summary>DOUBLE values.</summary>
public sealed class DoubleColumn(ParquetField field, int capacity = 1024) : PrimitiveColumn<double>(field, capacity);

/// <summary>
/// DECIMAL values as exact unscaled integers: the value is <c>unscaled / 10^scale</c>. The writer stores them as INT32,
/// INT64 or FIXED_LEN_BYTE_ARRAY as the precision requires.
/// </summary>
public sealed class DecimalColumn(ParquetField field, int capacity = 1024) : PrimitiveColumn<Int128>(field, capacity);
