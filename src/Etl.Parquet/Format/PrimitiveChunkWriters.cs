using System.Buffers.Binary;

namespace Etl.Parquet.Format;

/// <summary>BOOLEAN: values kept as one byte each while the page fills, bit-packed when it is flushed.</summary>
internal sealed class BooleanChunkWriter(ParquetField field, ParquetWriterOptions options)
    : ChunkWriter(field, options, PhysicalType.Boolean)
{
    private bool _hasTrue;
    private bool _hasFalse;

    protected override void AppendValues(ColumnBuffer column, ReadOnlySpan<int> rows)
    {
        var values = ((BooleanColumn)column).Values;
        var dst = Values.GetSpan(rows.Length);
        var n = 0;
        var noNulls = column.NullCount == 0;
        foreach (var r in rows)
        {
            if (noNulls || !column.IsNull(r))
            {
                var v = values[r];
                dst[n++] = v ? (byte)1 : (byte)0;
                _hasTrue |= v;
                _hasFalse |= !v;
            }
        }

        Values.Advance(n);
        PageValues += n;
    }

    protected override void EncodePageValues(ByteBuffer destination)
    {
        var src = Values.WrittenSpan;
        var bytes = (src.Length + 7) / 8;
        var dst = destination.GetSpan(bytes)[..bytes];
        dst.Clear();
        for (var i = 0; i < src.Length; i++)
        {
            dst[i >> 3] |= (byte)(src[i] << (i & 7));
        }

        destination.Advance(bytes);
    }

    protected override (byte[] Min, byte[] Max)? GetMinMax() =>
        !_hasTrue && !_hasFalse ? null : ([_hasFalse ? (byte)0 : (byte)1], [_hasTrue ? (byte)1 : (byte)0]);

    protected override void ResetChunk()
    {
        _hasTrue = false;
        _hasFalse = false;
    }
}

/// <summary>INT32: INT32, DATE, and DECIMAL with precision up to 9.</summary>
internal sealed class Int32ChunkWriter(ParquetField field, ParquetWriterOptions options)
    : IntegerChunkWriter<int>(field, options, PhysicalType.Int32);

/// <summary>INT64: INT64, TIMESTAMP, and DECIMAL with precision 10 to 18.</summary>
internal sealed class Int64ChunkWriter(ParquetField field, ParquetWriterOptions options)
    : IntegerChunkWriter<long>(field, options, PhysicalType.Int64);

/// <summary>DOUBLE. NaN is left out of min/max, as the specification asks.</summary>
internal sealed class DoubleChunkWriter(ParquetField field, ParquetWriterOptions options)
    : ChunkWriter(field, options, PhysicalType.Double)
{
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private bool _any;

    protected override void AppendValues(ColumnBuffer column, ReadOnlySpan<int> rows)
    {
        var values = ((DoubleColumn)column).Values;
        var dst = Values.GetSpan(rows.Length * 8);
        var n = 0;
        var noNulls = column.NullCount == 0;
        foreach (var r in rows)
        {
            if (noNulls || !column.IsNull(r))
            {
                var v = values[r];
                BinaryPrimitives.WriteDoubleLittleEndian(dst[(n * 8)..], v);
                n++;
                if (!double.IsNaN(v))
                {
                    _min = Math.Min(_min, v);
                    _max = Math.Max(_max, v);
                    _any = true;
                }
            }
        }

        Values.Advance(n * 8);
        PageValues += n;
    }

    protected override (byte[] Min, byte[] Max)? GetMinMax()
    {
        if (!_any)
        {
            return null;
        }

        var min = new byte[8];
        var max = new byte[8];
        // A zero minimum is written as -0.0 and a zero maximum as +0.0 (the specification's rule for signed zeros).
        BinaryPrimitives.WriteDoubleLittleEndian(min, _min == 0 ? -0.0 : _min);
        BinaryPrimitives.WriteDoubleLittleEndian(max, _max == 0 ? 0.0 : _max);
        return (min, max);
    }

    protected override void ResetChunk()
    {
        _min = double.PositiveInfinity;
        _max = double.NegativeInfinity;
        _any = false;
    }
}

/// <summary>FIXED_LEN_BYTE_ARRAY decimals (precision 19 to 38): big-endian two's complement of the unscaled value.</summary>
internal sealed class FixedDecimalChunkWriter(ParquetField field, ParquetWriterOptions options)
    : ChunkWriter(field, options, PhysicalType.FixedLenByteArray)
{
    private readonly int _width = DecimalLayout.ByteWidth(field.Precision);
    private Int128 _min = Int128.MaxValue;
    private Int128 _max = Int128.MinValue;
    private bool _any;

    protected override void AppendValues(ColumnBuffer column, ReadOnlySpan<int> rows)
    {
        var values = ((DecimalColumn)column).Values;
        var dst = Values.GetSpan(rows.Length * _width);
        var n = 0;
        var noNulls = column.NullCount == 0;
        foreach (var r in rows)
        {
            if (noNulls || !column.IsNull(r))
            {
                var v = values[r];
                DecimalLayout.WriteBigEndian(v, dst.Slice(n * _width, _width));
                n++;
                if (v < _min)
                {
                    _min = v;
                }

                if (v > _max)
                {
                    _max = v;
                }

                _any = true;
            }
        }

        Values.Advance(n * _width);
        PageValues += n;
    }

    protected override (byte[] Min, byte[] Max)? GetMinMax()
    {
        if (!_any)
        {
            return null;
        }

        var min = new byte[_width];
        var max = new byte[_width];
        DecimalLayout.WriteBigEndian(_min, min);
        DecimalLayout.WriteBigEndian(_max, max);
        return (min, max);
    }

    protected override void ResetChunk()
    {
        _min = Int128.MaxValue;
        _max = Int128.MinValue;
        _any = false;
    }
}
