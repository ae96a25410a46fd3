using System.Numerics;
using System.Runtime.InteropServices;

namespace Etl.Parquet.Format;

/// <summary>
/// INT32 and INT64 columns. A page's values are kept typed until the page is flushed, then dictionary-encoded while
/// the dictionary pays (few distinct values, under the size limit), otherwise PLAIN. Low-cardinality columns such as
/// prices or dates shrink to a few bits a value this way.
/// </summary>
internal abstract class IntegerChunkWriter<T> : ChunkWriter
    where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
{
    private static readonly int s_width = Marshal.SizeOf<T>();
    private T[] _page = new T[256];
    private T[] _dict = new T[64];
    private int[] _buckets = new int[128];
    private int[] _indices = new int[256];
    private int _dictCount;
    private bool _useDictionary;
    private bool _pageEncodedWithDictionary;
    private bool _decided;
    private T _min = T.MaxValue;
    private T _max = T.MinValue;
    private bool _any;

    protected IntegerChunkWriter(ParquetField field, ParquetWriterOptions options, PhysicalType physicalType)
        : base(field, options, physicalType) => _useDictionary = options.DictionaryEnabled;

    protected override long PageValueBytes => (long)PageValues * s_width;

    protected override long ExtraBufferedBytes => ((long)PageValues + _dictCount) * s_width;

    protected override int PageEncoding => _useDictionary && PageValues > 0 ? Encodings.RleDictionary : Encodings.Plain;

    /// <summary>Copies the non-null values at <paramref name="rows"/>: from a column of <typeparamref name="T"/>, or unscaled decimals (range-checked).</summary>
    protected override void AppendValues(ColumnBuffer column, ReadOnlySpan<int> rows)
    {
        var dst = Reserve(rows.Length);
        var n = 0;
        var noNulls = column.NullCount == 0;
        if (column is DecimalColumn dec)
        {
            var values = dec.Values;
            foreach (var r in rows)
            {
                if (noNulls || !column.IsNull(r))
                {
                    dst[n++] = T.CreateChecked(values[r]);
                }
            }
        }
        else
        {
            var values = ((PrimitiveColumn<T>)column).Values;
            foreach (var r in rows)
            {
                if (noNulls || !column.IsNull(r))
                {
                    dst[n++] = values[r];
                }
            }
        }

        Commit(n);
    }

    /// <summary>Room for <paramref name="count"/> more values in the open page.</summary>
    private Span<T> Reserve(int count)
    {
        if (_page.Length < PageValues + count)
        {
            Array.Resize(ref _page, Math.Max(PageValues + count, _page.Length * 2));
        }

        return _page.AsSpan(PageValues, count);
    }

    /// <summary>Accepts the first <paramref name="count"/> reserved values.</summary>
    private void Commit(int count)
    {
        var values = _page.AsSpan(PageValues, count);
        T min = _min, max = _max;
        foreach (var v in values)
        {
            if (v < min)
            {
                min = v;
            }

            if (v > max)
            {
                max = v;
            }
        }

        _min = min;
        _max = max;
        _any |= count > 0;
        PageValues += count;
    }

    protected override void EncodePageValues(ByteBuffer destination)
    {
        var values = _page.AsSpan(0, PageValues);
        _pageEncodedWithDictionary = _useDictionary && PageValues > 0;
        if (!_pageEncodedWithDictionary)
        {
            WriteLittleEndian(values, destination.GetSpan(values.Length * s_width));
            destination.Advance(values.Length * s_width);
            return;
        }

        if (_indices.Length < values.Length)
        {
            _indices = new int[Math.Max(values.Length, _indices.Length * 2)];
        }

        var indices = _indices.AsSpan(0, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            indices[i] = GetOrAdd(values[i]);
        }

        var bitWidth = Math.Max(1, RleEncoder.BitWidth(Math.Max(0, _dictCount - 1)));
        destination.WriteByte((byte)bitWidth);
        RleEncoder.Encode(indices, bitWidth, destination);
    }

    protected override void OnPageFlushed()
    {
        if (!_pageEncodedWithDictionary)
        {
            return;
        }

        // Keep the dictionary only while it pays: after the first page, mostly distinct values mean PLAIN is better.
        if (!_decided)
        {
            _decided = true;
            if (_dictCount * 2L > ChunkValueCountSoFar())
            {
                _useDictionary = false;
            }
        }

        if ((long)_dictCount * s_width > Options.DictionaryPageSizeLimitBytes)
        {
            _useDictionary = false;
        }
    }

    protected override bool TryGetDictionary(out ReadOnlySpan<byte> plainValues, out int count)
    {
        count = _dictCount;
        var entries = _dict.AsSpan(0, _dictCount);
        if (BitConverter.IsLittleEndian)
        {
            plainValues = MemoryMarshal.AsBytes(entries); // the entries already are PLAIN's layout
        }
        else
        {
            var bytes = new byte[_dictCount * s_width];
            WriteLittleEndian(entries, bytes);
            plainValues = bytes;
        }

        return _dictCount > 0;
    }

    protected override (byte[] Min, byte[] Max)? GetMinMax()
    {
        if (!_any)
        {
            return null;
        }

        var min = new byte[s_width];
        var max = new byte[s_width];
        WriteLittleEndian(new ReadOnlySpan<T>(in _min), min);
        WriteLittleEndian(new ReadOnlySpan<T>(in _max), max);
        return (min, max);
    }

    protected override void ResetChunk()
    {
        _min = T.MaxValue;
        _max = T.MinValue;
        _any = false;
        var tried = _nonNullSeen > 0;
        var tryNext = NextChunkTriesDictionary(_dictCount, _nonNullSeen, tried);
        ResetBuckets(ref _buckets, _dictCount);
        _dictCount = 0;
        _useDictionary = tryNext;
        _decided = false;
        _nonNullSeen = 0;
    }

    private long _nonNullSeen;

    /// <summary>
    /// Parquet's PLAIN layout of <paramref name="values"/>. Not T.WriteLittleEndian: that is a default interface method,
    /// which boxes every value of a struct T it is called on.
    /// </summary>
    private static void WriteLittleEndian(ReadOnlySpan<T> values, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i].TryWriteLittleEndian(destination[(i * s_width)..], out _);
        }
    }

    private long ChunkValueCountSoFar() => _nonNullSeen;

    private int GetOrAdd(T value)
    {
        _nonNullSeen++;
        var hash = value.GetHashCode() & int.MaxValue;
        hash = (int)((uint)hash * 0x9E3779B1u >> 1);
        var mask = _buckets.Length - 1;
        var slot = hash & mask;
        while (true)
        {
            var e = _buckets[slot] - 1;
            if (e < 0)
            {
                break;
            }

            if (_dict[e] == value)
            {
                return e;
            }

            slot = (slot + 1) & mask;
        }

        var index = _dictCount++;
        if (index == _dict.Length)
        {
            Array.Resize(ref _dict, index * 2);
        }

        _dict[index] = value;
        _buckets[slot] = index + 1;
        if (_dictCount * 2 > _buckets.Length)
        {
            Rehash();
        }

        return index;
    }

    private void Rehash()
    {
        _buckets = new int[_buckets.Length * 2];
        var mask = _buckets.Length - 1;
        for (var e = 0; e < _dictCount; e++)
        {
            var hash = _dict[e].GetHashCode() & int.MaxValue;
            hash = (int)((uint)hash * 0x9E3779B1u >> 1);
            var slot = hash & mask;
            while (_buckets[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _buckets[slot] = e + 1;
        }
    }
}
