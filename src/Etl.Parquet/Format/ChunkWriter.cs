namespace Etl.Parquet.Format;

/// <summary>
/// Encodes one column of one row group into compressed data pages as rows arrive (definition levels, then values),
/// so a row group is held in memory only in its encoded form. Subclasses encode the values of their physical type.
/// </summary>
internal abstract class ChunkWriter
{
    private readonly ByteBuffer _page = new(1024);
    private readonly ByteBuffer _pageBody = new(1024);
    private readonly ByteBuffer _chunk = new(1024);
    private readonly CompactWriter _header = new();
    private int[] _defLevels = new int[256];
    private long _nullCount;

    protected ChunkWriter(ParquetField field, ParquetWriterOptions options, PhysicalType physicalType)
    {
        Field = field;
        Options = options;
        PhysicalType = physicalType;
    }

    public ParquetField Field { get; }

    public PhysicalType PhysicalType { get; }

    protected ParquetWriterOptions Options { get; }

    /// <summary>Plain-encoded (or dictionary-index) values of the current page.</summary>
    protected ByteBuffer Values { get; } = new(1024);

    /// <summary>Rows (values and nulls) in the current page.</summary>
    protected int PageRows { get; private set; }

    /// <summary>Non-null values in the current page.</summary>
    protected int PageValues { get; set; }

    /// <summary>Uncompressed bytes of the chunk so far, including the open page (for row group sizing).</summary>
    public long EstimatedSize => ChunkUncompressed + Values.Length + PageRows / 8 + ExtraBufferedBytes;

    protected long ChunkUncompressed { get; private set; }

    protected virtual long ExtraBufferedBytes => 0;

    private long ChunkNumValues { get; set; }

    private bool UsedDictionaryPages { get; set; }

    private bool UsedPlainPages { get; set; }

    /// <summary>Appends the rows <paramref name="rows"/> of <paramref name="column"/>.</summary>
    public void Append(ColumnBuffer column, ReadOnlySpan<int> rows)
    {
        if (Field.Nullable)
        {
            EnsureLevels(PageRows + rows.Length);
            var levels = _defLevels.AsSpan(PageRows, rows.Length);
            if (column.NullCount == 0)
            {
                levels.Fill(1);
            }
            else
            {
                var nulls = 0;
                for (var i = 0; i < rows.Length; i++)
                {
                    var isNull = column.IsNull(rows[i]);
                    levels[i] = isNull ? 0 : 1;
                    nulls += isNull ? 1 : 0;
                }

                _nullCount += nulls;
            }
        }
        else if (column.NullCount > 0)
        {
            throw new InvalidOperationException($"Column '{Field.Name}' is REQUIRED but the batch has {column.NullCount} null(s).");
        }

        AppendValues(column, rows);
        PageRows += rows.Length;
        if (PageValueBytes >= Options.PageSizeBytes)
        {
            FlushPage();
        }

        AfterAppend();
    }

    /// <summary>Encoded size of the open page's values, for the page-size check.</summary>
    protected virtual long PageValueBytes => Values.Length;

    /// <summary>Called after each append (and any page flush it caused).</summary>
    protected virtual void AfterAppend()
    {
    }

    /// <summary>Encodes the non-null values at <paramref name="rows"/> (skipping nulls) into <see cref="Values"/>.</summary>
    protected abstract void AppendValues(ColumnBuffer column, ReadOnlySpan<int> rows);

    /// <summary>The encoding of the values in the current page.</summary>
    protected virtual int PageEncoding => Encodings.Plain;

    /// <summary>Before a dictionary-encoded page's values: writes the bit width byte and RLE indices. Default: values as they are.</summary>
    protected virtual void EncodePageValues(ByteBuffer destination) => destination.Write(Values.WrittenSpan);

    /// <summary>Called after a page is flushed so subclasses can reset per-page state.</summary>
    protected virtual void OnPageFlushed()
    {
    }

    /// <summary>The dictionary page values (PLAIN) and count, when this chunk used a dictionary.</summary>
    protected virtual bool TryGetDictionary(out ReadOnlySpan<byte> plainValues, out int count)
    {
        plainValues = default;
        count = 0;
        return false;
    }

    /// <summary>Min and max as PLAIN-encoded single values (strings without length), or null when there are none.</summary>
    protected abstract (byte[] Min, byte[] Max)? GetMinMax();

    /// <summary>The chunk's statistics for the footer; strings override it to truncate long values.</summary>
    protected virtual StatisticsMeta GetStatistics(long nullCount)
    {
        var minMax = GetMinMax();
        return new StatisticsMeta { NullCount = nullCount, Min = minMax?.Min, Max = minMax?.Max };
    }

    /// <summary>Resets statistics and dictionary for the next row group.</summary>
    protected abstract void ResetChunk();

    public void FlushPage()
    {
        if (PageRows == 0)
        {
            return;
        }

        _pageBody.Clear();
        if (Field.Nullable)
        {
            var lenPos = _pageBody.Length;
            _pageBody.WriteInt32(0);
            RleEncoder.Encode(_defLevels.AsSpan(0, PageRows), 1, _pageBody);
            _pageBody.PatchInt32(lenPos, _pageBody.Length - lenPos - 4);
        }

        var encoding = PageEncoding;
        EncodePageValues(_pageBody);
        WritePage(PageTypes.DataPage, _pageBody.WrittenSpan, PageRows, encoding);
        if (encoding == Encodings.RleDictionary)
        {
            UsedDictionaryPages = true;
        }
        else
        {
            UsedPlainPages = true;
        }

        ChunkNumValues += PageRows;
        PageRows = 0;
        PageValues = 0;
        Values.Clear();
        OnPageFlushed();
    }

    /// <summary>
    /// Finishes the chunk: appends its bytes (dictionary page, then data pages) to <paramref name="output"/> as they will
    /// stand in the file from <paramref name="offset"/>. The segments stay valid until the next append.
    /// </summary>
    public ColumnChunkMeta FinishChunk(List<ReadOnlyMemory<byte>> output, long offset)
    {
        FlushPage();
        var meta = new ColumnChunkMeta
        {
            Type = PhysicalType,
            Codec = Codec.ThriftCode(Options.Compression),
            NumValues = ChunkNumValues,
        };
        meta.Path.Add(Field.Name);
        long written = 0;
        long uncompressed = ChunkUncompressed;
        if (TryGetDictionary(out var dictValues, out var dictCount) && UsedDictionaryPages)
        {
            _page.Clear();
            var compressedLength = Codec.Compress(Options.Compression, dictValues, _page);
            var header = new PageHeaderMeta
            {
                Type = PageTypes.DictionaryPage,
                UncompressedSize = dictValues.Length,
                CompressedSize = compressedLength,
                NumValues = dictCount,
            };
            _header.Reset();
            MetadataWriter.WritePageHeader(_header, header);
            output.Add(_header.WrittenSpan.ToArray());
            output.Add(_page.WrittenMemory);
            meta.DictionaryPageOffset = offset;
            written += _header.Length + _page.Length;
            uncompressed += _header.Length + dictValues.Length;
        }

        meta.DataPageOffset = offset + written;
        output.Add(_chunk.WrittenMemory);
        written += _chunk.Length;
        meta.TotalCompressedSize = written;
        meta.TotalUncompressedSize = uncompressed;
        if (UsedDictionaryPages)
        {
            meta.Encodings.Add(Encodings.RleDictionary);
        }

        if (UsedPlainPages || !UsedDictionaryPages)
        {
            meta.Encodings.Add(Encodings.Plain);
        }

        meta.Encodings.Add(Encodings.Rle);
        meta.Statistics = GetStatistics(_nullCount);

        _chunk.Clear();
        ChunkUncompressed = 0;
        ChunkNumValues = 0;
        _nullCount = 0;
        UsedDictionaryPages = false;
        UsedPlainPages = false;
        ResetChunk();
        return meta;
    }

    /// <summary>
    /// Whether the next chunk should try a dictionary, given how the last one went. A column whose values were mostly
    /// distinct (ids, codes, amounts) skips the dictionary in the following chunks, looking again every
    /// <see cref="DictionaryReprobeChunks"/> chunks: with many partitions row groups are small, each chunk is one page,
    /// and building a dictionary only to abandon it was the costliest part of writing such columns.
    /// </summary>
    protected bool NextChunkTriesDictionary(long distinct, long values, bool triedThisChunk)
    {
        if (!Options.DictionaryEnabled)
        {
            return false;
        }

        if (triedThisChunk)
        {
            _dictionaryDoesNotPay = values >= 64 && distinct * 2 > values;
            _chunksWithoutDictionary = 0;
        }
        else if (++_chunksWithoutDictionary >= DictionaryReprobeChunks)
        {
            _chunksWithoutDictionary = 0;
            return true;
        }

        return !_dictionaryDoesNotPay;
    }

    /// <summary>How often a column that skips its dictionary tries one again, in chunks.</summary>
    protected const int DictionaryReprobeChunks = 16;

    private bool _dictionaryDoesNotPay;
    private int _chunksWithoutDictionary;

    /// <summary>
    /// Empties a dictionary's open-addressing bucket array for the next chunk. A table grown large by one chunk is replaced
    /// by one sized for what the chunk used, rather than cleared in full: with many partitions, row groups are small and
    /// clearing tables sized for the largest ever chunk dominated the cost of finishing them.
    /// </summary>
    protected static void ResetBuckets(ref int[] buckets, int used)
    {
        if (used == 0)
        {
            return; // nothing was added, so every bucket is still empty
        }

        var fit = (int)Math.Max(128, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)used * 4));
        if (buckets.Length > fit * 4)
        {
            buckets = new int[fit];
        }
        else
        {
            Array.Clear(buckets);
        }
    }

    /// <summary>Bytes of encoded pages buffered for the current row group.</summary>
    public long BufferedCompressedBytes => _chunk.Length;

    private void WritePage(int type, ReadOnlySpan<byte> body, int numValues, int encoding)
    {
        _page.Clear();
        var compressedLength = Codec.Compress(Options.Compression, body, _page);
        var header = new PageHeaderMeta
        {
            Type = type,
            UncompressedSize = body.Length,
            CompressedSize = compressedLength,
            NumValues = numValues,
            Encoding = encoding,
        };
        _header.Reset();
        MetadataWriter.WritePageHeader(_header, header);
        _chunk.Write(_header.WrittenSpan);
        _chunk.Write(_page.WrittenSpan);
        ChunkUncompressed += _header.Length + body.Length;
    }

    private void EnsureLevels(int count)
    {
        if (count > _defLevels.Length)
        {
            Array.Resize(ref _defLevels, Math.Max(count, _defLevels.Length * 2));
        }
    }
}
