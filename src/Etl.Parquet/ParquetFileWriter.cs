using Etl.Parquet.Format;

namespace Etl.Parquet;

/// <summary>
/// Writes a Parquet file from columnar batches. Values are encoded into compressed pages as they arrive, so memory
/// holds at most one row group in encoded form. The output stream is written strictly sequentially and may be
/// non-seekable (an object-store upload). Call <see cref="Close"/> or <see cref="CloseAsync"/> to write the footer.
/// </summary>
public sealed class ParquetFileWriter : IDisposable, IAsyncDisposable
{
    private static readonly byte[] s_magic = "PAR1"u8.ToArray();
    private static int[] s_identity = [];

    private readonly Stream _output;
    private readonly ParquetSchema _schema;
    private readonly ParquetWriterOptions _options;
    private readonly bool _leaveOpen;
    private readonly ChunkWriter[] _writers;
    private readonly FileMeta _meta = new();
    private readonly List<ReadOnlyMemory<byte>> _segments = [];
    private long _position;
    private int _rowGroupRows;
    private bool _started;
    private bool _closed;

    /// <summary>Creates a writer over <paramref name="output"/>.</summary>
    public ParquetFileWriter(Stream output, ParquetSchema schema, ParquetWriterOptions? options = null, bool leaveOpen = false)
    {
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _schema = schema ?? throw new ArgumentNullException(nameof(schema));
        _options = options ?? new ParquetWriterOptions();
        _leaveOpen = leaveOpen;
        if (!output.CanWrite)
        {
            throw new ArgumentException("The output stream is not writable.", nameof(output));
        }

        _writers = new ChunkWriter[schema.Fields.Count];
        _meta.Schema.Add(new SchemaElementMeta { Name = "schema", NumChildren = schema.Fields.Count });
        for (var i = 0; i < _writers.Length; i++)
        {
            var field = schema.Fields[i];
            _writers[i] = CreateChunkWriter(field, _options);
            _meta.Schema.Add(SchemaMapping.ToSchemaElement(field));
        }
    }

    /// <summary>Rows accepted so far.</summary>
    public long RowCount { get; private set; }

    /// <summary>Bytes written to the output so far.</summary>
    public long BytesWritten => _position;

    /// <summary>Writes every row of <paramref name="batch"/>.</summary>
    public void Write(ColumnBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var count = batch.RowCount;
        Write(batch, Identity(count).AsSpan(0, count));
    }

    /// <summary>Writes the rows of <paramref name="batch"/> at <paramref name="rows"/>, in that order.</summary>
    public void Write(ColumnBatch batch, ReadOnlySpan<int> rows)
    {
        CheckBatch(batch);
        while (!rows.IsEmpty)
        {
            var take = Math.Min(rows.Length, _options.RowGroupMaxRows - _rowGroupRows);
            if (Append(batch, rows[..take]))
            {
                PrepareRowGroup();
                WriteSegments();
            }

            rows = rows[take..];
        }
    }

    /// <summary>Writes every row of <paramref name="batch"/>, flushing row groups asynchronously.</summary>
    public async ValueTask WriteAsync(ColumnBatch batch, CancellationToken cancellationToken = default)
    {
        CheckBatch(batch);
        var count = batch.RowCount;
        var start = 0;
        while (start < count)
        {
            var take = Math.Min(count - start, _options.RowGroupMaxRows - _rowGroupRows);
            if (Append(batch, Identity(count).AsSpan(start, take)))
            {
                PrepareRowGroup();
                await WriteSegmentsAsync(cancellationToken).ConfigureAwait(false);
            }

            start += take;
        }
    }

    /// <summary>Closes the open row group now (normally done by size).</summary>
    public void FlushRowGroup()
    {
        if (_rowGroupRows > 0)
        {
            PrepareRowGroup();
            WriteSegments();
        }
    }

    /// <summary>Writes the last row group and the footer. Idempotent.</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        FlushRowGroup();
        PrepareFooter();
        WriteSegments();
        _output.Flush();
        _closed = true;
        if (!_leaveOpen)
        {
            _output.Dispose();
        }
    }

    /// <summary>Writes the last row group and the footer asynchronously. Idempotent.</summary>
    public async ValueTask CloseAsync(CancellationToken cancellationToken = default)
    {
        if (_closed)
        {
            return;
        }

        if (_rowGroupRows > 0)
        {
            PrepareRowGroup();
            await WriteSegmentsAsync(cancellationToken).ConfigureAwait(false);
        }

        PrepareFooter();
        await WriteSegmentsAsync(cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        _closed = true;
        if (!_leaveOpen)
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Close();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => CloseAsync();

    private static ChunkWriter CreateChunkWriter(ParquetField field, ParquetWriterOptions options) => field.Type switch
    {
        ParquetType.Boolean => new BooleanChunkWriter(field, options),
        ParquetType.Int32 or ParquetType.Date => new Int32ChunkWriter(field, options),
        ParquetType.Int64 or ParquetType.Timestamp => new Int64ChunkWriter(field, options),
        ParquetType.Double => new DoubleChunkWriter(field, options),
        ParquetType.String => new StringChunkWriter(field, options),
        ParquetType.Decimal => DecimalLayout.PhysicalTypeFor(field.Precision) switch
        {
            PhysicalType.Int32 => new Int32ChunkWriter(field, options),
            PhysicalType.Int64 => new Int64ChunkWriter(field, options),
            _ => new FixedDecimalChunkWriter(field, options),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field.Type, "Unknown column type."),
    };

    private static int[] Identity(int count)
    {
        var current = s_identity;
        if (current.Length < count)
        {
            var next = new int[Math.Max(count, current.Length * 2)];
            for (var i = 0; i < next.Length; i++)
            {
                next[i] = i;
            }

            s_identity = current = next;
        }

        return current;
    }

    private void CheckBatch(ColumnBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_closed)
        {
            throw new ObjectDisposedException(nameof(ParquetFileWriter), "The writer is closed.");
        }

        if (!ReferenceEquals(batch.Schema, _schema))
        {
            var fields = batch.Schema.Fields;
            if (fields.Count != _schema.Fields.Count)
            {
                throw new ArgumentException($"The batch has {fields.Count} columns; the file has {_schema.Fields.Count}.", nameof(batch));
            }

            for (var i = 0; i < fields.Count; i++)
            {
                if (fields[i] != _schema.Fields[i])
                {
                    throw new ArgumentException($"Batch column {i} is {fields[i]}; the file expects {_schema.Fields[i]}.", nameof(batch));
                }
            }
        }
    }

    /// <summary>Appends rows to the open row group; returns true when it should be closed.</summary>
    private bool Append(ColumnBatch batch, ReadOnlySpan<int> rows)
    {
        if (!_started)
        {
            _segments.Add(s_magic);
            _started = true;
        }

        long estimate = 0;
        for (var i = 0; i < _writers.Length; i++)
        {
            _writers[i].Append(batch[i], rows);
            estimate += _writers[i].EstimatedSize;
        }

        _rowGroupRows += rows.Length;
        RowCount += rows.Length;
        return _rowGroupRows >= _options.RowGroupMaxRows || estimate >= _options.RowGroupSizeBytes;
    }

    private void PrepareRowGroup()
    {
        if (!_started)
        {
            _segments.Add(s_magic);
            _started = true;
        }

        var offset = _position + SegmentsLength();
        var rg = new RowGroupMeta { NumRows = _rowGroupRows, FileOffset = offset };
        long compressed = 0;
        foreach (var w in _writers)
        {
            var chunk = w.FinishChunk(_segments, offset);
            offset += chunk.TotalCompressedSize;
            compressed += chunk.TotalCompressedSize;
            rg.TotalByteSize += chunk.TotalUncompressedSize;
            rg.Columns.Add(chunk);
        }

        rg.TotalCompressedSize = compressed;
        _meta.RowGroups.Add(rg);
        _meta.NumRows += _rowGroupRows;
        _rowGroupRows = 0;
    }

    private void PrepareFooter()
    {
        if (!_started)
        {
            _segments.Add(s_magic);
            _started = true;
        }

        foreach (var kv in _options.KeyValueMetadata)
        {
            _meta.KeyValues.Add(new(kv.Key, kv.Value));
        }

        _meta.CreatedBy = _options.CreatedBy;
        var w = new CompactWriter();
        MetadataWriter.WriteFileMetaData(w, _meta);
        var footer = new byte[w.Length + 8];
        w.WrittenSpan.CopyTo(footer);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(footer.AsSpan(w.Length), w.Length);
        s_magic.CopyTo(footer.AsSpan(w.Length + 4));
        _segments.Add(footer);
    }

    private long SegmentsLength()
    {
        long n = 0;
        foreach (var s in _segments)
        {
            n += s.Length;
        }

        return n;
    }

    private void WriteSegments()
    {
        foreach (var s in _segments)
        {
            _output.Write(s.Span);
            _position += s.Length;
        }

        _segments.Clear();
    }

    private async ValueTask WriteSegmentsAsync(CancellationToken cancellationToken)
    {
        foreach (var s in _segments)
        {
            await _output.WriteAsync(s, cancellationToken).ConfigureAwait(false);
            _position += s.Length;
        }

        _segments.Clear();
    }
}
