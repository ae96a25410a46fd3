using System.Runtime.CompilerServices;

namespace Etl.Parquet;

/// <summary>
/// A growable buffer of one column's values for a batch of rows, with a validity bitmap (bit set = value present).
/// Buffers are reused across batches: <see cref="Clear"/> keeps capacity, so steady-state appends allocate nothing.
/// </summary>
public abstract class ColumnBuffer
{
    private ulong[] _validity;

    /// <summary>Creates a buffer for <paramref name="field"/> with room for <paramref name="capacity"/> rows.</summary>
    protected ColumnBuffer(ParquetField field, int capacity)
    {
        Field = field ?? throw new ArgumentNullException(nameof(field));
        _validity = new ulong[Math.Max(1, (capacity + 63) >> 6)];
    }

    /// <summary>The column this buffer holds.</summary>
    public ParquetField Field { get; }

    /// <summary>Number of rows (values and nulls) in the buffer.</summary>
    public int Count { get; private protected set; }

    /// <summary>Number of nulls in the buffer.</summary>
    public int NullCount { get; private set; }

    /// <summary>Whether row <paramref name="index"/> is null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsNull(int index) => (_validity[index >> 6] & (1UL << (index & 63))) == 0;

    /// <summary>The validity bitmap: bit <c>i</c> of word <c>i / 64</c> is set when row <c>i</c> has a value.</summary>
    public ReadOnlySpan<ulong> Validity => _validity.AsSpan(0, (Count + 63) >> 6);

    /// <summary>Appends a null. Throws when the field is REQUIRED.</summary>
    public void AppendNull()
    {
        if (!Field.Nullable)
        {
            ThrowRequired();
        }

        EnsureCapacity(Count + 1);
        AppendDefaultValue();
        // The validity bit stays clear: Clear() zeroes the words it used.
        NullCount++;
        Count++;
    }

    /// <summary>Drops the rows from <paramref name="count"/> on (e.g. a half-appended row that failed validation).</summary>
    public void Truncate(int count)
    {
        if ((uint)count > (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The buffer holds {Count} rows.");
        }

        for (var i = count; i < Count; i++)
        {
            if (IsNull(i))
            {
                NullCount--;
            }
            else
            {
                _validity[i >> 6] &= ~(1UL << (i & 63));
            }
        }

        Count = count;
    }

    /// <summary>Empties the buffer, keeping its capacity.</summary>
    public virtual void Clear()
    {
        Array.Clear(_validity, 0, (Count + 63) >> 6);
        Count = 0;
        NullCount = 0;
    }

    /// <summary>Creates the right buffer type for <paramref name="field"/>.</summary>
    public static ColumnBuffer Create(ParquetField field, int capacity = 1024)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.Type switch
        {
            ParquetType.Boolean => new BooleanColumn(field, capacity),
            ParquetType.Int32 or ParquetType.Date => new Int32Column(field, capacity),
            ParquetType.Int64 or ParquetType.Timestamp => new Int64Column(field, capacity),
            ParquetType.Double => new DoubleColumn(field, capacity),
            ParquetType.String => new StringColumn(field, capacity),
            ParquetType.Decimal => new DecimalColumn(field, capacity),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field.Type, "Unknown column type."),
        };
    }

    /// <summary>Marks the row about to be appended (index <see cref="Count"/>) as present and advances the count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected void CommitValue()
    {
        var i = Count;
        _validity[i >> 6] |= 1UL << (i & 63);
        Count = i + 1;
    }

    /// <summary>Grows value storage and the bitmap to hold <paramref name="rows"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected void EnsureCapacity(int rows)
    {
        if (rows > Capacity)
        {
            Grow(rows);
        }
    }

    /// <summary>Current row capacity.</summary>
    private protected abstract int Capacity { get; }

    /// <summary>Resizes value storage to at least <paramref name="rows"/>.</summary>
    private protected abstract void GrowValues(int rows);

    /// <summary>Writes a placeholder value for a null at index <see cref="Count"/>.</summary>
    private protected abstract void AppendDefaultValue();

    private void Grow(int rows)
    {
        var target = Math.Max(rows, Math.Max(16, Capacity * 2));
        GrowValues(target);
        var words = (target + 63) >> 6;
        if (words > _validity.Length)
        {
            Array.Resize(ref _validity, words);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowRequired() =>
        throw new InvalidOperationException($"Column '{Field.Name}' is REQUIRED and cannot hold a null.");
}
