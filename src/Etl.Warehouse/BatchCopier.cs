using System.Numerics;
using Etl.Parquet;
using Npgsql;
using NpgsqlTypes;

namespace Etl.Warehouse;

/// <summary>Writes <see cref="ColumnBatch"/> rows into a binary COPY, column type by column type.</summary>
internal static class BatchCopier
{
    private static readonly long s_epochTicks = DateTime.UnixEpoch.Ticks;
    private const int EpochDayNumber = 719162; // DateOnly.FromDateTime(1970-01-01).DayNumber

    public static async Task WriteAsync(NpgsqlBinaryImporter importer, ColumnBatch batch, IReadOnlyList<StagingColumn> columns, CancellationToken cancellationToken)
    {
        var rows = batch.RowCount;
        for (var r = 0; r < rows; r++)
        {
            if ((r & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            for (var c = 0; c < columns.Count; c++)
            {
                var sc = columns[c];
                var buf = batch[sc.Index];
                if (buf.IsNull(r))
                {
                    await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await WriteValueAsync(importer, sc, buf, r, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static Task WriteValueAsync(NpgsqlBinaryImporter importer, StagingColumn sc, ColumnBuffer buf, int r, CancellationToken ct)
    {
        switch (sc.Field.Type)
        {
            case ParquetType.Boolean:
                return importer.WriteAsync(((BooleanColumn)buf)[r], NpgsqlDbType.Boolean, ct);
            case ParquetType.Int32:
                return importer.WriteAsync(((Int32Column)buf)[r], NpgsqlDbType.Integer, ct);
            case ParquetType.Int64:
                return importer.WriteAsync(((Int64Column)buf)[r], NpgsqlDbType.Bigint, ct);
            case ParquetType.Double:
                return importer.WriteAsync(((DoubleColumn)buf)[r], NpgsqlDbType.Double, ct);
            case ParquetType.Date:
                return importer.WriteAsync(DateOnly.FromDayNumber(((Int32Column)buf)[r] + EpochDayNumber), NpgsqlDbType.Date, ct);
            case ParquetType.Timestamp:
                {
                    var micros = ((Int64Column)buf)[r];
                    return sc.Field.IsAdjustedToUtc
                        ? importer.WriteAsync(new DateTime(s_epochTicks + (micros * 10), DateTimeKind.Utc), NpgsqlDbType.TimestampTz, ct)
                        : importer.WriteAsync(new DateTime(s_epochTicks + (micros * 10), DateTimeKind.Unspecified), NpgsqlDbType.Timestamp, ct);
                }

            case ParquetType.Decimal:
                {
                    var unscaled = ((DecimalColumn)buf)[r];
                    return sc.WideDecimal
                        ? importer.WriteAsync((BigInteger)unscaled, NpgsqlDbType.Numeric, ct)
                        : importer.WriteAsync(ToDecimal(unscaled, sc.Field.Scale), NpgsqlDbType.Numeric, ct);
                }

            case ParquetType.String:
                return importer.WriteAsync(((StringColumn)buf).GetString(r)!, NpgsqlDbType.Text, ct);
            default:
                throw new WarehouseException($"Column '{sc.Field.Name}' has type {sc.Field.Type}, which the warehouse cannot store.");
        }
    }

    private static decimal ToDecimal(Int128 unscaled, int scale)
    {
        var negative = unscaled < 0;
        var magnitude = (UInt128)(negative ? -unscaled : unscaled);
        var lo = (int)(uint)magnitude;
        var mid = (int)(uint)(magnitude >> 32);
        var hi = (int)(uint)(magnitude >> 64);
        return new decimal(lo, mid, hi, negative, (byte)scale);
    }
}
