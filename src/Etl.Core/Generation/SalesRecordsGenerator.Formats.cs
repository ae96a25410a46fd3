using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Etl.Parquet;

namespace Etl.Core.Generation;

/// <summary>The same rows as JSON lines and as Parquet, for the pipeline's other input formats and their benchmarks.</summary>
public static partial class SalesRecordsGenerator
{
    private static readonly int s_epochDay = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>
    /// Writes the rows as JSON lines to <paramref name="output"/> (left open): one object per row keyed by the header
    /// names, numbers as JSON numbers, dates as the CSV's M/d/yyyy text. A bad row has a string where a number or date
    /// belongs (a wrong type at a JSON path).
    /// </summary>
    public static async Task WriteJsonlAsync(Stream output, SalesRecordsOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(options.Seed);
        var columns = Columns(options);
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        await using (json.ConfigureAwait(false))
        {
            for (long r = 0; r < options.Rows; r++)
            {
                var row = Next(random, r);
                var broken = options.BadRowRate > 0 && random.NextDouble() < options.BadRowRate ? random.Next(3) : -1;
                json.Reset();
                json.WriteStartObject();
                foreach (var c in columns)
                {
                    json.WritePropertyName(c);
                    switch (IndexOf(c))
                    {
                        case 0: json.WriteStringValue(row.Region); break;
                        case 1: json.WriteStringValue(row.Country); break;
                        case 2: json.WriteStringValue(row.Item); break;
                        case 3: json.WriteStringValue(row.Channel); break;
                        case 4: json.WriteStringValue(row.Priority); break;
                        case 5: json.WriteStringValue(broken == 1 ? "31/31/2020" : row.OrderDate.ToString("M/d/yyyy", CultureInfo.InvariantCulture)); break;
                        case 6: json.WriteNumberValue(row.OrderId); break;
                        case 7: json.WriteStringValue(row.ShipDate.ToString("M/d/yyyy", CultureInfo.InvariantCulture)); break;
                        case 8 when broken == 0: json.WriteStringValue("n/a"); break;
                        case 8: json.WriteNumberValue(row.Units); break;
                        case 9 when broken == 2: json.WriteStringValue("12,34"); break;
                        case 9: json.WriteRawValue(Money(row.PriceCents), skipInputValidation: true); break;
                        case 10: json.WriteRawValue(Money(row.CostCents), skipInputValidation: true); break;
                        case 11: json.WriteRawValue(Money(row.PriceCents * row.Units), skipInputValidation: true); break;
                        case 12: json.WriteRawValue(Money(row.CostCents * row.Units), skipInputValidation: true); break;
                        case 13: json.WriteRawValue(Money((row.PriceCents - row.CostCents) * row.Units), skipInputValidation: true); break;
                        default: json.WriteStringValue("extra-" + (r % 7).ToString(CultureInfo.InvariantCulture)); break;
                    }
                }

                json.WriteEndObject();
                json.Flush();
                buffer.Write("\n"u8);
                if (buffer.WrittenCount >= (1 << 20) - 4096)
                {
                    await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    buffer.Clear();
                }
            }
        }

        await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the rows as Parquet (the project's writer) to <paramref name="output"/> (left open), typed: dates as DATE,
    /// ids and units as integers, amounts as DECIMAL(18,2); columns named as the header. Parquet has no unparseable
    /// values, so <see cref="SalesRecordsOptions.BadRowRate"/> must be 0.
    /// </summary>
    /// <param name="output">Where to write.</param>
    /// <param name="options">What to write.</param>
    /// <param name="rowGroupRows">Rows per row group; the writer's default (1,000,000) when null.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public static async Task WriteParquetAsync(Stream output, SalesRecordsOptions options, int? rowGroupRows = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        if (options.BadRowRate > 0)
        {
            throw new ArgumentException("Parquet values are typed: a bad-row rate needs CSV or JSON lines output.", nameof(options));
        }

        var columns = Columns(options);
        var schema = new ParquetSchema(columns.Select(c => IndexOf(c) switch
        {
            5 or 7 => new ParquetField(c, ParquetType.Date),
            6 => new ParquetField(c, ParquetType.Int64),
            8 => new ParquetField(c, ParquetType.Int32),
            >= 9 => ParquetField.Decimal(c, 18, 2),
            _ => new ParquetField(c, ParquetType.String),
        }));
        var random = new Random(options.Seed);
        var batch = new ColumnBatch(schema, 65_536);
        var writerOptions = new ParquetWriterOptions();
        if (rowGroupRows is { } n)
        {
            writerOptions.RowGroupMaxRows = n;
        }

        var writer = new ParquetFileWriter(output, schema, writerOptions, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            for (long r = 0; r < options.Rows; r++)
            {
                var row = Next(random, r);
                for (var i = 0; i < columns.Count; i++)
                {
                    var column = batch[i];
                    switch (IndexOf(columns[i]))
                    {
                        case 0: ((StringColumn)column).Append(row.Region); break;
                        case 1: ((StringColumn)column).Append(row.Country); break;
                        case 2: ((StringColumn)column).Append(row.Item); break;
                        case 3: ((StringColumn)column).Append(row.Channel); break;
                        case 4: ((StringColumn)column).Append(row.Priority); break;
                        case 5: ((Int32Column)column).Append(row.OrderDate.DayNumber - s_epochDay); break;
                        case 6: ((Int64Column)column).Append(row.OrderId); break;
                        case 7: ((Int32Column)column).Append(row.ShipDate.DayNumber - s_epochDay); break;
                        case 8: ((Int32Column)column).Append(row.Units); break;
                        case 9: ((DecimalColumn)column).Append((Int128)row.PriceCents); break;
                        case 10: ((DecimalColumn)column).Append((Int128)row.CostCents); break;
                        case 11: ((DecimalColumn)column).Append((Int128)(row.PriceCents * row.Units)); break;
                        case 12: ((DecimalColumn)column).Append((Int128)(row.CostCents * row.Units)); break;
                        case 13: ((DecimalColumn)column).Append((Int128)((row.PriceCents - row.CostCents) * row.Units)); break;
                        default: ((StringColumn)column).Append("extra-" + (r % 7).ToString(CultureInfo.InvariantCulture)); break;
                    }
                }

                if (batch.RowCount == 65_536)
                {
                    await writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.RowCount > 0)
            {
                await writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static List<string> Columns(SalesRecordsOptions options)
    {
        var columns = Header.Where(h => !string.Equals(h, options.DropColumn, StringComparison.OrdinalIgnoreCase)).ToList();
        if (options.ExtraColumn is not null)
        {
            columns.Add(options.ExtraColumn);
        }

        return columns;
    }
}
