using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;
using Etl.Parquet;

namespace Etl.Warehouse;

/// <summary>
/// Encodes <see cref="ColumnBatch"/> rows straight into PostgreSQL's binary COPY format (a raw COPY stream): values are
/// read from the column buffers and written as their wire bytes, with no boxing, no per-value calls into the driver, and
/// strings copied as the UTF-8 bytes they already are. Decimals become exact <c>numeric</c> values of any precision.
/// </summary>
internal sealed class BatchCopier : IAsyncDisposable
{
    private const int BufferSize = 256 * 1024;
    private const int EpochDays2000 = 10_957;             // 2000-01-01 (PostgreSQL's epoch) in days since 1970-01-01
    private const long EpochMicros2000 = 946_684_800_000_000L;
    private static readonly ulong[] s_pow10 = [1, 10, 100, 1000, 10_000];
    private static ReadOnlySpan<byte> Signature => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    private readonly Stream _stream;
    private readonly IReadOnlyList<StagingColumn> _columns;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _position;

    public BatchCopier(Stream stream, IReadOnlyList<StagingColumn> columns)
    {
        _stream = stream;
        _columns = columns;
        Signature.CopyTo(_buffer);
        _position = Signature.Length;
        WriteInt32(0); // flags
        WriteInt32(0); // header extension length
    }

    /// <summary>Rows written so far.</summary>
    public ulong Rows { get; private set; }

    /// <summary>Writes every row of <paramref name="batch"/>.</summary>
    public async Task WriteAsync(ColumnBatch batch, CancellationToken cancellationToken)
    {
        var rows = batch.RowCount;
        for (var r = 0; r < rows; r++)
        {
            if (_position > BufferSize / 2)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            WriteRow(batch, r);
        }

        Rows += (ulong)rows;
    }

    /// <summary>Writes the trailer and flushes; the caller then disposes the COPY stream to complete the COPY.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        Ensure(2);
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_position), -1);
        _position += 2;
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        return ValueTask.CompletedTask;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_position > 0)
        {
            await _stream.WriteAsync(_buffer.AsMemory(0, _position), cancellationToken).ConfigureAwait(false);
            _position = 0;
        }
    }

    private void WriteRow(ColumnBatch batch, int r)
    {
        var columns = _columns;
        Ensure(2);
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_position), (short)columns.Count);
        _position += 2;
        for (var c = 0; c < columns.Count; c++)
        {
            var sc = columns[c];
            var buf = batch[sc.Index];
            if (buf.IsNull(r))
            {
                WriteInt32(-1);
                continue;
            }

            switch (sc.Field.Type)
            {
                case ParquetType.Boolean:
                    Ensure(5);
                    WriteInt32(1);
                    _buffer[_position++] = ((BooleanColumn)buf)[r] ? (byte)1 : (byte)0;
                    break;
                case ParquetType.Int32:
                    Ensure(8);
                    WriteInt32(4);
                    WriteInt32(((Int32Column)buf)[r]);
                    break;
                case ParquetType.Date:
                    Ensure(8);
                    WriteInt32(4);
                    WriteInt32(((Int32Column)buf)[r] - EpochDays2000);
                    break;
                case ParquetType.Int64:
                    Ensure(12);
                    WriteInt32(8);
                    WriteInt64(((Int64Column)buf)[r]);
                    break;
                case ParquetType.Timestamp:
                    Ensure(12);
                    WriteInt32(8);
                    WriteInt64(((Int64Column)buf)[r] - EpochMicros2000);
                    break;
                case ParquetType.Double:
                    Ensure(12);
                    WriteInt32(8);
                    WriteInt64(BitConverter.DoubleToInt64Bits(((DoubleColumn)buf)[r]));
                    break;
                case ParquetType.Decimal:
                    WriteNumeric(((DecimalColumn)buf)[r], sc.Field.Scale);
                    break;
                case ParquetType.String:
                    WriteText(((StringColumn)buf).GetBytes(r));
                    break;
                default:
                    throw new WarehouseException($"Column '{sc.Field.Name}' has type {sc.Field.Type}, which the warehouse cannot store.");
            }
        }
    }

    private void WriteText(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
        {
            // Not expected (typing validates text), but never send PostgreSQL bytes it would reject: replace as a decoder does.
            utf8 = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(utf8));
        }

        Ensure(4 + utf8.Length);
        WriteInt32(utf8.Length);
        utf8.CopyTo(_buffer.AsSpan(_position));
        _position += utf8.Length;
    }

    /// <summary>
    /// PostgreSQL's numeric wire form: ndigits, weight, sign, dscale (int16 each), then base-10000 digits, most significant
    /// first; value = sum(digit[i] * 10000^(weight - i)). Groups are aligned on the decimal point, trailing zero groups dropped.
    /// </summary>
    private void WriteNumeric(Int128 unscaled, int scale)
    {
        Span<short> groups = stackalloc short[12]; // least significant first; 38 digits + alignment need at most 11
        var count = 0;
        var negative = unscaled < 0;
        var magnitude = negative ? (UInt128)(-unscaled) : (UInt128)unscaled;

        // Fraction: 'scale' digits below the point, grouped by four from the point, so the lowest group is padded with zeros.
        var fractionGroups = (scale + 3) / 4;
        var partial = scale % 4;
        if (magnitude != 0)
        {
            if (partial != 0)
            {
                var (q, rem) = UInt128.DivRem(magnitude, s_pow10[partial]);
                groups[count++] = (short)((ulong)rem * s_pow10[4 - partial]);
                magnitude = q;
            }

            while (magnitude != 0)
            {
                if (magnitude <= ulong.MaxValue)
                {
                    var small = (ulong)magnitude;
                    while (small != 0)
                    {
                        (small, var rem) = Math.DivRem(small, 10_000UL);
                        groups[count++] = (short)rem;
                    }

                    break;
                }

                var (q, r) = UInt128.DivRem(magnitude, 10_000);
                groups[count++] = (short)(ulong)r;
                magnitude = q;
            }
        }

        var low = 0;
        while (low < count && groups[low] == 0)
        {
            low++;
        }

        var digits = count - low;
        var weight = digits == 0 ? 0 : count - 1 - fractionGroups;
        Ensure(4 + 8 + (2 * digits));
        WriteInt32(8 + (2 * digits));
        WriteInt16((short)digits);
        WriteInt16((short)weight);
        WriteInt16(digits == 0 || !negative ? (short)0 : (short)0x4000);
        WriteInt16((short)scale);
        for (var i = count - 1; i >= low; i--)
        {
            WriteInt16(groups[i]);
        }
    }

    private void Ensure(int bytes)
    {
        if (_position + bytes > _buffer.Length)
        {
            // Only a value larger than the buffer gets here (rows flush at half full): grow to hold it.
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + bytes));
            _buffer.AsSpan(0, _position).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    private void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_position), value);
        _position += 2;
    }

    private void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    private void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }
}
