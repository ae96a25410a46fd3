using System.Buffers.Binary;
using System.Text;
using Etl.Parquet.Format;

namespace Etl.Parquet;

/// <summary>
/// Reads Parquet files with flat schemas of the types this library writes (all its encodings and codecs).
/// Every length in the file is checked against the file's size before anything is allocated, so a corrupt or
/// truncated file fails with <see cref="ParquetFormatException"/> instead of hanging or exhausting memory.
/// </summary>
public sealed class ParquetFileReader : IDisposable
{
    private const int MaxFooterSize = 64 * 1024 * 1024;
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly FileMeta _meta;
    private readonly long _fileLength;
    private readonly long _footerStart;

    private ParquetFileReader(Stream stream, bool leaveOpen, FileMeta meta, long fileLength, long footerStart)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _meta = meta;
        _fileLength = fileLength;
        _footerStart = footerStart;
        Schema = BuildSchema(meta);
        var kv = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in meta.KeyValues)
        {
            kv[pair.Key] = pair.Value ?? "";
        }

        KeyValueMetadata = kv;
        long total = 0;
        foreach (var rg in meta.RowGroups)
        {
            if (rg.NumRows < 0 || rg.Columns.Count != Schema.Fields.Count)
            {
                throw new ParquetFormatException($"Corrupt Parquet footer: a row group has {rg.Columns.Count} columns and {rg.NumRows} rows; the schema has {Schema.Fields.Count} columns.");
            }

            total += rg.NumRows;
        }

        if (total != meta.NumRows)
        {
            throw new ParquetFormatException($"Corrupt Parquet footer: row groups hold {total} rows but the file says {meta.NumRows}.");
        }
    }

    /// <summary>The file's schema.</summary>
    public ParquetSchema Schema { get; }

    /// <summary>Total rows.</summary>
    public long RowCount => _meta.NumRows;

    /// <summary>Number of row groups.</summary>
    public int RowGroupCount => _meta.RowGroups.Count;

    /// <summary>The footer's key-value metadata.</summary>
    public IReadOnlyDictionary<string, string> KeyValueMetadata { get; }

    /// <summary>The footer's created_by, if any.</summary>
    public string? CreatedBy => _meta.CreatedBy;

    /// <summary>Opens a file from a seekable, readable stream and reads its footer.</summary>
    public static ParquetFileReader Open(Stream stream, bool leaveOpen = false)
    {
        var length = CheckStream(stream);

        Span<byte> tail = stackalloc byte[8];
        ReadAt(stream, length - 8, tail);
        var (footerLength, footerStart) = CheckTail(tail, length);
        Span<byte> head = stackalloc byte[4];
        ReadAt(stream, 0, head);
        CheckHead(head);
        var footer = new byte[footerLength];
        ReadAt(stream, footerStart, footer);
        return new ParquetFileReader(stream, leaveOpen, MetadataReader.ReadFileMetaData(footer, footerStart), length, footerStart);
    }

    /// <summary>Opens a file asynchronously from a seekable, readable stream.</summary>
    public static async Task<ParquetFileReader> OpenAsync(Stream stream, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        var length = CheckStream(stream);

        var tail = new byte[8];
        await ReadAtAsync(stream, length - 8, tail, cancellationToken).ConfigureAwait(false);
        var (footerLength, footerStart) = CheckTail(tail, length);
        var head = new byte[4];
        await ReadAtAsync(stream, 0, head, cancellationToken).ConfigureAwait(false);
        CheckHead(head);
        var footer = new byte[footerLength];
        await ReadAtAsync(stream, footerStart, footer, cancellationToken).ConfigureAwait(false);
        return new ParquetFileReader(stream, leaveOpen, MetadataReader.ReadFileMetaData(footer, footerStart), length, footerStart);
    }

    /// <summary>Rows in row group <paramref name="rowGroup"/>.</summary>
    public long GetRowGroupRowCount(int rowGroup) => RowGroup(rowGroup).NumRows;

    /// <summary>Reads every column of a row group into a new batch.</summary>
    public ColumnBatch ReadRowGroup(int rowGroup)
    {
        var rg = RowGroup(rowGroup);
        var batch = new ColumnBatch(Schema, (int)Math.Min(rg.NumRows, 1 << 20));
        ReadRowGroup(rowGroup, batch);
        return batch;
    }

    /// <summary>Reads every column of a row group into <paramref name="batch"/> (cleared first; its schema must be this file's).</summary>
    public void ReadRowGroup(int rowGroup, ColumnBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var rg = RowGroup(rowGroup);
        batch.Clear();
        for (var c = 0; c < rg.Columns.Count; c++)
        {
            var (start, bytes) = ReadChunk(rg.Columns[c], c);
            ChunkReader.Decode(bytes, start, rg.Columns[c], Schema.Fields[c], rg.NumRows, batch[c]);
        }
    }

    /// <summary>Reads a row group asynchronously into a new batch.</summary>
    public async Task<ColumnBatch> ReadRowGroupAsync(int rowGroup, CancellationToken cancellationToken = default)
    {
        var rg = RowGroup(rowGroup);
        var batch = new ColumnBatch(Schema, (int)Math.Min(rg.NumRows, 1 << 20));
        for (var c = 0; c < rg.Columns.Count; c++)
        {
            var (start, length) = ChunkRange(rg.Columns[c], c);
            var bytes = new byte[length];
            await ReadAtAsync(_stream, start, bytes, cancellationToken).ConfigureAwait(false);
            ChunkReader.Decode(bytes, start, rg.Columns[c], Schema.Fields[c], rg.NumRows, batch[c]);
        }

        return batch;
    }

    /// <summary>The statistics of one column chunk.</summary>
    public ColumnStatistics GetStatistics(int rowGroup, int column)
    {
        var rg = RowGroup(rowGroup);
        if ((uint)column >= (uint)rg.Columns.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(column));
        }

        var stats = rg.Columns[column].Statistics;
        var field = Schema.Fields[column];
        return new ColumnStatistics(stats?.NullCount, Decode(field, stats?.Min), Decode(field, stats?.Max), stats?.IsMinExact ?? true, stats?.IsMaxExact ?? true);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private static long CheckStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead)
        {
            throw new ArgumentException("ParquetFileReader needs a readable, seekable stream.", nameof(stream));
        }

        var length = stream.Length;
        if (length < 12)
        {
            throw new ParquetFormatException($"Not a Parquet file: it is {length} bytes long (at least 12 are needed for the magic bytes and footer).");
        }

        return length;
    }

    private static (int Length, long Start) CheckTail(ReadOnlySpan<byte> tail, long fileLength)
    {
        if (!tail[4..].SequenceEqual("PAR1"u8))
        {
            throw new ParquetFormatException("Not a Parquet file, or truncated: it does not end with the magic bytes 'PAR1'.");
        }

        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > fileLength - 12 || footerLength > MaxFooterSize)
        {
            throw new ParquetFormatException($"Corrupt Parquet file: footer length {footerLength} does not fit a file of {fileLength} bytes.");
        }

        return (footerLength, fileLength - 8 - footerLength);
    }

    private static void CheckHead(ReadOnlySpan<byte> head)
    {
        if (!head.SequenceEqual("PAR1"u8))
        {
            throw new ParquetFormatException("Not a Parquet file: it does not start with the magic bytes 'PAR1'.");
        }
    }

    private static ParquetSchema BuildSchema(FileMeta meta)
    {
        if (meta.Schema.Count == 0)
        {
            throw new ParquetFormatException("Corrupt Parquet footer: the schema is empty.");
        }

        var root = meta.Schema[0];
        if (root.NumChildren != meta.Schema.Count - 1)
        {
            throw new ParquetFormatException("Unsupported Parquet schema: only flat schemas (no nested groups) are supported.");
        }

        var fields = new List<ParquetField>(meta.Schema.Count - 1);
        for (var i = 1; i < meta.Schema.Count; i++)
        {
            var e = meta.Schema[i];
            if (e.NumChildren is > 0 || e.Type is null)
            {
                throw new ParquetFormatException($"Unsupported Parquet schema: column '{e.Name}' is a group; only flat schemas are supported.");
            }

            fields.Add(SchemaMapping.ToField(e));
        }

        try
        {
            return new ParquetSchema(fields);
        }
        catch (ArgumentException ex)
        {
            throw new ParquetFormatException("Corrupt Parquet schema: " + ex.Message, ex);
        }
    }

    private static object? Decode(ParquetField field, byte[]? raw)
    {
        if (raw is null)
        {
            return null;
        }

        try
        {
            return field.Type switch
            {
                ParquetType.Boolean => raw[0] != 0,
                ParquetType.Int32 or ParquetType.Date => BinaryPrimitives.ReadInt32LittleEndian(raw),
                ParquetType.Int64 or ParquetType.Timestamp => BinaryPrimitives.ReadInt64LittleEndian(raw),
                ParquetType.Double => BinaryPrimitives.ReadDoubleLittleEndian(raw),
                ParquetType.String => Encoding.UTF8.GetString(raw),
                ParquetType.Decimal => field.Precision switch
                {
                    <= 9 => (Int128)BinaryPrimitives.ReadInt32LittleEndian(raw),
                    <= 18 => (Int128)BinaryPrimitives.ReadInt64LittleEndian(raw),
                    _ => DecimalLayout.ReadBigEndian(raw),
                },
                _ => null,
            };
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ParquetFormatException($"Corrupt statistics for column '{field.Name}'.", ex);
        }
    }

    private static void ReadAt(Stream stream, long offset, Span<byte> buffer)
    {
        stream.Position = offset;
        stream.ReadExactly(buffer);
    }

    private static async Task ReadAtAsync(Stream stream, long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        stream.Position = offset;
        await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    private RowGroupMeta RowGroup(int index)
    {
        if ((uint)index >= (uint)_meta.RowGroups.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The file has {_meta.RowGroups.Count} row group(s).");
        }

        return _meta.RowGroups[index];
    }

    private (long Start, int Length) ChunkRange(ColumnChunkMeta chunk, int column)
    {
        var start = chunk.DictionaryPageOffset is { } d && d > 0 ? Math.Min(d, chunk.DataPageOffset) : chunk.DataPageOffset;
        var length = chunk.TotalCompressedSize;
        if (start < 4 || length <= 0 || start + length > _footerStart || length > int.MaxValue)
        {
            throw new ParquetFormatException(
                $"Corrupt Parquet file: column '{string.Join('.', chunk.Path)}' claims bytes {start}..{start + length} but data ends at {_footerStart} (file is {_fileLength} bytes).");
        }

        var expected = _meta.Schema[column + 1].Type!.Value;
        if (chunk.Type != expected)
        {
            throw new ParquetFormatException($"Corrupt Parquet file: column '{string.Join('.', chunk.Path)}' chunk is {chunk.Type} but the schema says {expected}.");
        }

        return (start, (int)length);
    }

    private (long Start, byte[] Bytes) ReadChunk(ColumnChunkMeta chunk, int column)
    {
        var (start, length) = ChunkRange(chunk, column);
        var bytes = new byte[length];
        ReadAt(_stream, start, bytes);
        return (start, bytes);
    }
}
