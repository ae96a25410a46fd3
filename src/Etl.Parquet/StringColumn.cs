using System.Text;

namespace Etl.Parquet;

/// <summary>UTF-8 strings stored back to back in one byte buffer with an offsets array (no object per value).</summary>
public sealed class StringColumn : ColumnBuffer
{
    private byte[] _data;
    private int[] _offsets;

    /// <summary>Creates the buffer.</summary>
    public StringColumn(ParquetField field, int capacity = 1024)
        : base(field, capacity)
    {
        _offsets = new int[Math.Max(1, capacity) + 1];
        _data = new byte[Math.Max(16, capacity * 16)];
    }

    /// <summary>Total bytes of string data in the buffer.</summary>
    public int DataLength => _offsets[Count];

    /// <summary>All string bytes, back to back.</summary>
    public ReadOnlySpan<byte> Data => _data.AsSpan(0, _offsets[Count]);

    /// <summary>Offsets: value <c>i</c> is <c>Data[Offsets[i]..Offsets[i + 1]]</c>. Length is <see cref="ColumnBuffer.Count"/> + 1.</summary>
    public ReadOnlySpan<int> Offsets => _offsets.AsSpan(0, Count + 1);

    /// <summary>The UTF-8 bytes of row <paramref name="index"/> (empty when null).</summary>
    public ReadOnlySpan<byte> GetBytes(int index) => _data.AsSpan(_offsets[index], _offsets[index + 1] - _offsets[index]);

    /// <summary>Row <paramref name="index"/> as a string, or null.</summary>
    public string? GetString(int index) => IsNull(index) ? null : Encoding.UTF8.GetString(GetBytes(index));

    /// <summary>Appends UTF-8 bytes (not validated).</summary>
    public void Append(ReadOnlySpan<byte> utf8)
    {
        EnsureCapacity(Count + 1);
        var start = _offsets[Count];
        EnsureData(start + utf8.Length);
        utf8.CopyTo(_data.AsSpan(start));
        _offsets[Count + 1] = start + utf8.Length;
        CommitValue();
    }

    /// <summary>Appends characters, encoded as UTF-8.</summary>
    public void Append(ReadOnlySpan<char> chars)
    {
        EnsureCapacity(Count + 1);
        var start = _offsets[Count];
        EnsureData(start + Encoding.UTF8.GetMaxByteCount(chars.Length));
        var written = Encoding.UTF8.GetBytes(chars, _data.AsSpan(start));
        _offsets[Count + 1] = start + written;
        CommitValue();
    }

    /// <summary>Appends a string, or a null.</summary>
    public void Append(string? value)
    {
        if (value is null)
        {
            AppendNull();
        }
        else
        {
            Append(value.AsSpan());
        }
    }

    private protected override int Capacity => _offsets.Length - 1;

    private protected override void GrowValues(int rows) => Array.Resize(ref _offsets, rows + 1);

    private protected override void AppendDefaultValue() => _offsets[Count + 1] = _offsets[Count];

    private void EnsureData(int bytes)
    {
        if (bytes > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(bytes, _data.Length * 2));
        }
    }
}
