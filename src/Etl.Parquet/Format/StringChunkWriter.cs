using System.Buffers.Binary;

namespace Etl.Parquet.Format;

/// <summary>
/// BYTE_ARRAY strings. Dictionary-encoded (RLE_DICTIONARY indices) while the dictionary stays under its limit, then
/// PLAIN for the rest of the row group. The dictionary is an open-addressing table over one byte buffer, so looking up
/// a value allocates nothing.
/// </summary>
internal sealed class StringChunkWriter : ChunkWriter
{
    private readonly ByteBuffer _dictPlain = new(1024);
    private Entry[] _entries = new Entry[64];
    private int[] _buckets = new int[128];
    private int _entryCount;
    private int _lastEntry = -1;
    private long _dictionaryValues;
    private int[] _indices = new int[256];
    private bool _useDictionary;
    private bool _pageIsDictionary;
    private byte[] _min = new byte[64];
    private byte[] _max = new byte[64];
    private int _minLength = -1;
    private int _maxLength = -1;

    public StringChunkWriter(ParquetField field, ParquetWriterOptions options)
        : base(field, options, PhysicalType.ByteArray)
    {
        _useDictionary = options.DictionaryEnabled;
        _pageIsDictionary = _useDictionary;
    }

    protected override long ExtraBufferedBytes => _dictPlain.Length + (_pageIsDictionary ? PageValues * 4L : 0);

    // A page of nulls only carries no values, so it is PLAIN and needs no dictionary.
    protected override int PageEncoding => _pageIsDictionary && PageValues > 0 ? Encodings.RleDictionary : Encodings.Plain;

    protected override void AppendValues(ColumnBuffer column, ReadOnlySpan<int> rows)
    {
        var strings = (StringColumn)column;
        var noNulls = column.NullCount == 0;
        if (_pageIsDictionary)
        {
            if (_indices.Length < PageValues + rows.Length)
            {
                Array.Resize(ref _indices, Math.Max(PageValues + rows.Length, _indices.Length * 2));
            }

            var n = PageValues;
            var last = _lastEntry;
            foreach (var r in rows)
            {
                if (noNulls || !column.IsNull(r))
                {
                    // Runs of one value are common (a partition's rows share values derived from its key): a compare
                    // with the previous entry is cheaper than hashing.
                    var value = strings.GetBytes(r);
                    if (last < 0 || !value.SequenceEqual(_dictPlain.WrittenSpan.Slice(_entries[last].Start, _entries[last].Length)))
                    {
                        last = GetOrAdd(value);
                    }

                    _indices[n++] = last;
                }
            }

            _lastEntry = last;
            _dictionaryValues += n - PageValues;
            PageValues = n;
            return;
        }

        var count = 0;
        foreach (var r in rows)
        {
            if (noNulls || !column.IsNull(r))
            {
                var bytes = strings.GetBytes(r);
                var dst = Values.GetSpan(4 + bytes.Length);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(dst, bytes.Length);
                bytes.CopyTo(dst[4..]);
                Values.Advance(4 + bytes.Length);
                UpdateMinMax(bytes);
                count++;
            }
        }

        PageValues += count;
    }

    protected override void EncodePageValues(ByteBuffer destination)
    {
        if (!_pageIsDictionary || PageValues == 0)
        {
            base.EncodePageValues(destination);
            return;
        }

        var bitWidth = Math.Max(1, RleEncoder.BitWidth(Math.Max(0, _entryCount - 1)));
        destination.WriteByte((byte)bitWidth);
        RleEncoder.Encode(_indices.AsSpan(0, PageValues), bitWidth, destination);
    }

    protected override void OnPageFlushed() => _pageIsDictionary = _useDictionary;

    protected override long PageValueBytes => _pageIsDictionary ? PageValues * 4L : Values.Length;

    protected override void AfterAppend()
    {
        if (_useDictionary && _dictPlain.Length > Options.DictionaryPageSizeLimitBytes)
        {
            // Fall back: the open page keeps its dictionary indices, the following pages are PLAIN.
            _useDictionary = false;
            FlushPage();
            _pageIsDictionary = false;
        }
    }

    protected override bool TryGetDictionary(out ReadOnlySpan<byte> plainValues, out int count)
    {
        plainValues = _dictPlain.WrittenSpan;
        count = _entryCount;
        return _entryCount > 0;
    }

    protected override (byte[] Min, byte[] Max)? GetMinMax() =>
        _minLength < 0 ? null : (_min.AsSpan(0, _minLength).ToArray(), _max.AsSpan(0, _maxLength).ToArray());

    /// <summary>The min and max kept in full for comparing, truncated for the footer (<see cref="StatisticsTruncation"/>).</summary>
    protected override StatisticsMeta GetStatistics(long nullCount)
    {
        if (_minLength < 0)
        {
            return new StatisticsMeta { NullCount = nullCount };
        }

        var limit = Options.StatisticsTruncateLength;
        var min = StatisticsTruncation.Min(_min.AsSpan(0, _minLength), limit, out var minExact);
        var max = StatisticsTruncation.Max(_max.AsSpan(0, _maxLength), limit, out var maxExact);
        return new StatisticsMeta
        {
            NullCount = nullCount,
            Min = min,
            Max = max,
            IsMinExact = minExact ? null : false,
            IsMaxExact = maxExact || max is null ? null : false,
        };
    }

    protected override void ResetChunk()
    {
        var tryNext = NextChunkTriesDictionary(_entryCount, _dictionaryValues, _dictionaryValues > 0);
        _dictPlain.Clear();
        ResetBuckets(ref _buckets, _entryCount);
        _entryCount = 0;
        _lastEntry = -1;
        _dictionaryValues = 0;
        _useDictionary = tryNext;
        _pageIsDictionary = _useDictionary;
        _minLength = -1;
        _maxLength = -1;
    }

    private int GetOrAdd(ReadOnlySpan<byte> value)
    {
        var hash = Hash(value);
        var mask = _buckets.Length - 1;
        var slot = hash & mask;
        while (true)
        {
            var e = _buckets[slot] - 1;
            if (e < 0)
            {
                break;
            }

            ref readonly var entry = ref _entries[e];
            if (entry.Hash == hash && value.SequenceEqual(_dictPlain.WrittenSpan.Slice(entry.Start, entry.Length)))
            {
                return e;
            }

            slot = (slot + 1) & mask;
        }

        var index = _entryCount++;
        if (index == _entries.Length)
        {
            Array.Resize(ref _entries, index * 2);
        }

        _dictPlain.WriteInt32(value.Length);
        _entries[index] = new Entry(_dictPlain.Length, value.Length, hash);
        _dictPlain.Write(value);
        _buckets[slot] = index + 1;
        UpdateMinMax(value);
        if (_entryCount * 2 > _buckets.Length)
        {
            Rehash();
        }

        return index;
    }

    private void Rehash()
    {
        _buckets = new int[_buckets.Length * 2];
        var mask = _buckets.Length - 1;
        for (var e = 0; e < _entryCount; e++)
        {
            var slot = _entries[e].Hash & mask;
            while (_buckets[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _buckets[slot] = e + 1;
        }
    }

    private void UpdateMinMax(ReadOnlySpan<byte> value)
    {
        // Unsigned byte-wise order is UTF-8 code point order, the order the specification defines for strings.
        // Copied into reused buffers: a rising column (ids, codes) sets a new max on every row.
        if (_minLength < 0 || value.SequenceCompareTo(_min.AsSpan(0, _minLength)) < 0)
        {
            Keep(ref _min, ref _minLength, value);
        }

        if (_maxLength < 0 || value.SequenceCompareTo(_max.AsSpan(0, _maxLength)) > 0)
        {
            Keep(ref _max, ref _maxLength, value);
        }
    }

    private static void Keep(ref byte[] buffer, ref int length, ReadOnlySpan<byte> value)
    {
        if (buffer.Length < value.Length)
        {
            buffer = new byte[Math.Max(value.Length, buffer.Length * 2)];
        }

        value.CopyTo(buffer);
        length = value.Length;
    }

    /// <summary>
    /// A multiply-xorshift hash over 8-byte words, seeded per process. Values here are short (codes, names), and
    /// HashCode.AddBytes, which feeds 4 bytes at a time through xxHash32's rounds, was the larger part of a lookup.
    /// </summary>
    private static int Hash(ReadOnlySpan<byte> value)
    {
        const ulong k = 0x9E3779B97F4A7C15UL;
        var h = s_seed ^ ((ulong)value.Length * k);
        while (value.Length >= 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(value)) * k;
            h ^= h >> 29;
            value = value[8..];
        }

        if (!value.IsEmpty)
        {
            ulong tail = 0;
            for (var i = value.Length - 1; i >= 0; i--)
            {
                tail = (tail << 8) | value[i];
            }

            h = (h ^ tail) * k;
            h ^= h >> 29;
        }

        h *= k;
        return (int)(h >> 33);
    }

    private static readonly ulong s_seed = (ulong)Random.Shared.NextInt64();

    /// <summary>A dictionary entry: where its bytes start in the PLAIN dictionary buffer, their length, and their hash.</summary>
    private readonly record struct Entry(int Start, int Length, int Hash);
}
