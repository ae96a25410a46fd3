using System.Globalization;
using System.Text;
using System.Text.Json;
using Etl.Core.Definition;
using PqDataField = global::Parquet.Schema.DataField;
using PqReader = global::Parquet.ParquetReader;
using PqRowGroupReader = global::Parquet.ParquetRowGroupReader;

namespace Etl.Core.Reading;

/// <summary>
/// A Parquet file read with Parquet.Net (any writer's file: nested groups, dictionary and DELTA encodings, every codec),
/// a row group at a time, and seen row by row as the declared columns' values in text, so that the pipeline types them
/// with exactly the rules it uses for CSV and JSON lines. Declared columns are found by name or alias among the
/// top-level fields, or at a nested <c>path</c> through groups (structs).
/// </summary>
internal sealed class ParquetInput : IFieldRecord, IAsyncDisposable
{
    private readonly PqReader _reader;
    private readonly PqDataField?[] _fields;
    private readonly PqDataField[] _extraFields;
    private readonly string[] _extraNames;
    private readonly ParquetColumnValues?[] _values;
    private readonly ParquetColumnValues[] _extraValues;
    private readonly byte[][] _text;
    private int _rowGroup = -1;
    private int _rowsInGroup;
    private long _rowsBefore;

    private ParquetInput(PqReader reader, PqDataField?[] fields, PqDataField[] extraFields, string[] extraNames)
    {
        _reader = reader;
        _fields = fields;
        _extraFields = extraFields;
        _extraNames = extraNames;
        _values = new ParquetColumnValues?[fields.Length];
        _extraValues = new ParquetColumnValues[extraFields.Length];
        _text = new byte[fields.Length][];
        for (var i = 0; i < _text.Length; i++)
        {
            _text[i] = new byte[64];
        }
    }

    /// <summary>The row (0-based) within the current row group.</summary>
    public int Row { get; set; }

    /// <summary>Rows in the current row group.</summary>
    public int RowsInGroup => _rowsInGroup;

    /// <summary>The field each declared column reads, or null for a column the file does not have.</summary>
    public IReadOnlyList<PqDataField?> Fields => _fields;

    /// <summary>Top-level (or nested, dotted) fields that no column names.</summary>
    public IReadOnlyList<string> ExtraNames => _extraNames;

    /// <summary>1-based row of the file, for rejects.</summary>
    public long LineNumber => _rowsBefore + Row + 1;

    /// <inheritdoc />
    public int ExtraCount => _extraFields.Length;

    /// <summary>
    /// Opens a seekable Parquet stream and maps <paramref name="columns"/> to its fields. Throws
    /// <see cref="ParquetInputException"/> when a column maps to a repeated field or the file is not Parquet.
    /// </summary>
    public static async Task<ParquetInput> OpenAsync(Stream seekable, IReadOnlyList<ColumnDefinition> columns, CancellationToken cancellationToken)
    {
        var options = new global::Parquet.ParquetOptions { UseDateOnlyTypeForDates = false, TreatByteArrayAsString = true };
        var reader = await PqReader.CreateAsync(seekable, options, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        try
        {
            var all = reader.Schema.GetDataFields();
            var fields = new PqDataField?[columns.Count];
            var used = new bool[all.Length];
            for (var c = 0; c < columns.Count; c++)
            {
                var col = columns[c];
                for (var f = 0; f < all.Length && fields[c] is null; f++)
                {
                    var path = all[f].Path.ToList();
                    if (Matches(col, path))
                    {
                        if (all[f].MaxRepetitionLevel > 0)
                        {
                            throw new ParquetInputException($"column '{col.Name}' maps to '{string.Join('.', path)}', a repeated (list) field; a column takes one value per row");
                        }

                        fields[c] = all[f];
                        used[f] = true;
                    }
                }
            }

            var extras = new List<PqDataField>();
            var names = new List<string>();
            for (var f = 0; f < all.Length; f++)
            {
                if (!used[f] && all[f].MaxRepetitionLevel == 0)
                {
                    extras.Add(all[f]);
                    names.Add(string.Join('.', all[f].Path.ToList()));
                }
            }

            for (var c = 0; c < columns.Count; c++)
            {
                if (fields[c] is null && RepeatedUnder(columns[c], all) is { } list)
                {
                    throw new ParquetInputException($"column '{columns[c].Name}' maps to '{list}', a repeated (list) field; a column takes one value per row");
                }
            }

            return new ParquetInput(reader, fields, [.. extras], [.. names]);
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Loads the next row group's columns; false after the last.</summary>
    public async ValueTask<bool> NextRowGroupAsync(CancellationToken cancellationToken)
    {
        _rowsBefore += _rowsInGroup;
        _rowsInGroup = 0;
        Row = 0;
        while (++_rowGroup < _reader.RowGroupCount)
        {
            using var group = _reader.OpenRowGroupReader(_rowGroup);
            var rows = checked((int)group.RowCount);
            if (rows == 0)
            {
                continue;
            }

            for (var c = 0; c < _fields.Length; c++)
            {
                _values[c] = _fields[c] is { } field ? await LoadAsync(group, field, rows, cancellationToken).ConfigureAwait(false) : null;
            }

            for (var e = 0; e < _extraFields.Length; e++)
            {
                _extraValues[e] = await LoadAsync(group, _extraFields[e], rows, cancellationToken).ConfigureAwait(false);
            }

            _rowsInGroup = rows;
            return true;
        }

        return false;
    }

    /// <inheritdoc />
    public JsonlValueKind GetValue(int column, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (_values[column] is not { } values)
        {
            return JsonlValueKind.Missing;
        }

        if (values.IsNull(Row))
        {
            return JsonlValueKind.Null;
        }

        int written;
        while (!values.TryFormat(Row, _text[column], out written))
        {
            _text[column] = new byte[_text[column].Length * 2];
        }

        value = _text[column].AsSpan(0, written);
        return JsonlValueKind.Scalar;
    }

    /// <inheritdoc />
    public void WriteExtras(Utf8JsonWriter writer)
    {
        for (var e = 0; e < _extraValues.Length; e++)
        {
            writer.WritePropertyName(_extraNames[e]);
            _extraValues[e].WriteJson(Row, writer);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _reader.DisposeAsync();

    /// <summary>Whether the field's native values are dates or times, which print as ISO text (the column's format is for text input).</summary>
    public static bool IsTemporal(PqDataField field) =>
        field.ClrType == typeof(DateTime) || field.ClrType == typeof(DateOnly) || field.ClrType == typeof(DateTimeOffset);

    /// <summary>A list field at the column's name or path (its leaves sit below it, e.g. <c>id.list.element</c>).</summary>
    private static string? RepeatedUnder(ColumnDefinition col, PqDataField[] all)
    {
        var declared = col.Path ?? [col.Name];
        foreach (var f in all)
        {
            var path = f.Path.ToList();
            if (f.MaxRepetitionLevel > 0 && path.Count > declared.Count && Matches(new ColumnDefinition { Name = col.Name, Field = col.Field, Path = declared }, path[..declared.Count]))
            {
                return string.Join('.', declared);
            }
        }

        return null;
    }

    private static bool Matches(ColumnDefinition col, List<string> path)
    {
        if (col.Path is { } declared)
        {
            if (declared.Count != path.Count)
            {
                return false;
            }

            for (var i = 0; i < path.Count; i++)
            {
                if (!declared[i].Equals(path[i], StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }

            return true;
        }

        if (path.Count != 1)
        {
            return false;
        }

        if (col.Name.Equals(path[0], StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        foreach (var alias in col.Aliases)
        {
            if (alias.Equals(path[0], StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static async ValueTask<ParquetColumnValues> LoadAsync(PqRowGroupReader group, PqDataField field, int rows, CancellationToken cancellationToken)
    {
        var t = field.ClrType;
        if (await RawPhysicalAsync(field, t, group, rows, cancellationToken).ConfigureAwait(false) is { } physical)
        {
            return physical;
        }

        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var strings = new string?[rows];
            await group.ReadAsync(field, strings.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return new StringValues(strings);
        }

        if (t == typeof(byte[]) || t == typeof(ReadOnlyMemory<byte>))
        {
            var bytes = new byte[]?[rows];
            await group.ReadAsync(field, bytes.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return new BinaryValues(bytes);
        }

        return t switch
        {
            _ when t == typeof(bool) => await BooleansAsync(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(int) => await StructAsync<int>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(long) => await StructAsync<long>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(short) => await StructAsync<short>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(sbyte) => await StructAsync<sbyte>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(byte) => await StructAsync<byte>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(ushort) => await StructAsync<ushort>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(uint) => await StructAsync<uint>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(ulong) => await StructAsync<ulong>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(float) => await StructAsync<float>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(double) => await StructAsync<double>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(decimal) => await StructAsync<decimal>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(DateTime) => await StructAsync<DateTime>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(DateOnly) => await StructAsync<DateOnly>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(DateTimeOffset) => await StructAsync<DateTimeOffset>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(TimeOnly) => await StructAsync<TimeOnly>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(TimeSpan) => await StructAsync<TimeSpan>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ when t == typeof(Guid) => await StructAsync<Guid>(group, field, rows, cancellationToken).ConfigureAwait(false),
            _ => throw new ParquetInputException($"field '{string.Join('.', field.Path.ToList())}' has the type {t.Name}, which the pipeline cannot read yet"),
        };
    }

    private static async ValueTask<ParquetColumnValues> StructAsync<T>(PqRowGroupReader group, PqDataField field, int rows, CancellationToken cancellationToken)
        where T : struct, IUtf8SpanFormattable
    {
        var values = new T?[rows];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        return new StructValues<T>(values);
    }

    /// <summary>
    /// Columns stored as INT32 / INT64 whose CLR type is not int / long (dates, timestamps, decimals, small and unsigned
    /// integers) are read as their physical integers and converted here: Parquet.Net 6.1.0 cannot decode
    /// DELTA_BINARY_PACKED pages into those types, and DELTA is how format v2 writers (DuckDB, Spark, Arrow) store them.
    /// Null for anything else, which takes the typed path.
    /// </summary>
    private static async ValueTask<ParquetColumnValues?> RawPhysicalAsync(PqDataField field, Type clr, PqRowGroupReader group, int rows, CancellationToken cancellationToken)
    {
        var element = field.SchemaElement;
        if (element?.Type is not (global::Parquet.Meta.Type.INT32 or global::Parquet.Meta.Type.INT64) || clr == typeof(int) || clr == typeof(long))
        {
            return null;
        }

        var logical = element.LogicalType;
        var isDate = logical?.DATE is not null || element.ConvertedType == global::Parquet.Meta.ConvertedType.DATE;
        long ticksPerUnit = 0;
        if (logical?.TIMESTAMP is { } ts)
        {
            ticksPerUnit = ts.Unit.MILLIS is not null ? TimeSpan.TicksPerMillisecond : ts.Unit.MICROS is not null ? 10 : -100;
        }
        else if (element.ConvertedType == global::Parquet.Meta.ConvertedType.TIMESTAMP_MILLIS)
        {
            ticksPerUnit = TimeSpan.TicksPerMillisecond;
        }
        else if (element.ConvertedType == global::Parquet.Meta.ConvertedType.TIMESTAMP_MICROS)
        {
            ticksPerUnit = 10;
        }

        var isDecimal = clr == typeof(decimal);
        var scale = logical?.DECIMAL?.Scale ?? element.Scale ?? 0;
        var unsigned = logical?.INTEGER is { IsSigned: false } || clr == typeof(uint) || clr == typeof(ulong) || clr == typeof(ushort) || clr == typeof(byte);
        var integer = clr == typeof(short) || clr == typeof(sbyte) || clr == typeof(ushort) || clr == typeof(byte) || clr == typeof(uint) || clr == typeof(ulong);
        if (!isDate && ticksPerUnit == 0 && !isDecimal && !integer)
        {
            return null;
        }

        var wide = element.Type == global::Parquet.Meta.Type.INT64;
        if (StandIn(field, wide ? typeof(long) : typeof(int)) is not { } standIn)
        {
            return null;
        }

        var defs = field.MaxDefinitionLevel > 0 ? new int[rows] : null;
        var raw = new long[rows];
        if (wide)
        {
            await group.ReadRawAsync<long>(standIn, raw.AsMemory(), defs?.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var narrow = new int[rows];
            await group.ReadRawAsync<int>(standIn, narrow.AsMemory(), defs?.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            for (var r = 0; r < rows; r++)
            {
                raw[r] = unsigned ? (uint)narrow[r] : narrow[r];
            }
        }

        // Values come packed (non-null ones only); the definition levels say which rows they belong to.
        if (isDate || ticksPerUnit != 0)
        {
            var times = new DateTime?[rows];
            var k = 0;
            for (var r = 0; r < rows; r++)
            {
                if (defs is null || defs[r] == field.MaxDefinitionLevel)
                {
                    var v = raw[k++];

                    // Nanoseconds (-100) are a hundredth of a tick: divided, so the 100 ns tick is the precision kept.
                    times[r] = isDate
                        ? DateTime.SpecifyKind(DateTime.UnixEpoch.AddDays(v), DateTimeKind.Utc)
                        : new DateTime(DateTime.UnixEpoch.Ticks + (ticksPerUnit > 0 ? v * ticksPerUnit : v / 100), DateTimeKind.Utc);
                }
            }

            return new StructValues<DateTime>(times);
        }

        if (isDecimal)
        {
            var decimals = new decimal?[rows];
            var k = 0;
            for (var r = 0; r < rows; r++)
            {
                if (defs is null || defs[r] == field.MaxDefinitionLevel)
                {
                    var v = raw[k++];
                    var magnitude = v < 0 ? (ulong)(-(v + 1)) + 1 : (ulong)v;
                    decimals[r] = new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, v < 0, (byte)scale);
                }
            }

            return new StructValues<decimal>(decimals);
        }

        var integers = new Int128?[rows];
        var n = 0;
        for (var r = 0; r < rows; r++)
        {
            if (defs is null || defs[r] == field.MaxDefinitionLevel)
            {
                var v = raw[n++];
                integers[r] = wide && unsigned ? (Int128)(ulong)v : v;
            }
        }

        return new StructValues<Int128>(integers);
    }

    /// <summary>
    /// A field at the same path and levels as <paramref name="field"/> but of the physical CLR type, attached to a schema of
    /// its own (Parquet.Net reads only attached fields, and checks the requested type against the field's); null when the
    /// levels do not come out the same, so the caller falls back to the typed read.
    /// </summary>
    private static PqDataField? StandIn(PqDataField field, Type physical)
    {
        var path = field.Path.ToList();
        var leaf = new PqDataField(path[^1], physical, field.IsNullable);
        global::Parquet.Schema.Field root = leaf;
        for (var i = path.Count - 2; i >= 0; i--)
        {
            root = new global::Parquet.Schema.StructField(path[i], root);
        }

        _ = new global::Parquet.Schema.ParquetSchema(root);
        return leaf.MaxDefinitionLevel == field.MaxDefinitionLevel && leaf.MaxRepetitionLevel == 0 ? leaf : null;
    }

    private static async ValueTask<ParquetColumnValues> BooleansAsync(PqRowGroupReader group, PqDataField field, int rows, CancellationToken cancellationToken)
    {
        var values = new bool?[rows];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        return new BooleanValues(values);
    }

    /// <summary>One loaded column of a row group: null test, its value as UTF-8 text, and as JSON for rescue.</summary>
    private abstract class ParquetColumnValues
    {
        public abstract bool IsNull(int row);

        public abstract bool TryFormat(int row, Span<byte> destination, out int written);

        public virtual void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (IsNull(row))
            {
                writer.WriteNullValue();
                return;
            }

            Span<byte> text = stackalloc byte[128];
            if (TryFormat(row, text, out var n))
            {
                writer.WriteStringValue(text[..n]);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    private sealed class StringValues(string?[] values) : ParquetColumnValues
    {
        public override bool IsNull(int row) => values[row] is null;

        public override bool TryFormat(int row, Span<byte> destination, out int written) =>
            Encoding.UTF8.TryGetBytes(values[row] ?? "", destination, out written);

        public override void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (values[row] is { } s)
            {
                writer.WriteStringValue(s);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    private sealed class BinaryValues(byte[]?[] values) : ParquetColumnValues
    {
        public override bool IsNull(int row) => values[row] is null;

        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var v = values[row] ?? [];
            written = v.Length;
            return v.AsSpan().TryCopyTo(destination);
        }

        public override void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (values[row] is { } v)
            {
                writer.WriteBase64StringValue(v);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    private sealed class BooleanValues(bool?[] values) : ParquetColumnValues
    {
        public override bool IsNull(int row) => !values[row].HasValue;

        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var text = values[row].GetValueOrDefault() ? "true"u8 : "false"u8;
            written = text.Length;
            return text.TryCopyTo(destination);
        }

        public override void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (values[row] is { } b)
            {
                writer.WriteBooleanValue(b);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    /// <summary>
    /// Values of a struct type. Numbers print invariant and round-trippable; dates as yyyy-MM-dd; timestamps as ISO 8601
    /// in UTC with seven decimals (a timestamp without a zone is taken as UTC, as in text input).
    /// </summary>
    private sealed class StructValues<T>(T?[] values) : ParquetColumnValues
        where T : struct, IUtf8SpanFormattable
    {
        public override bool IsNull(int row) => !values[row].HasValue;

        public override bool TryFormat(int row, Span<byte> destination, out int written)
        {
            var v = values[row].GetValueOrDefault();
            switch (v)
            {
                case DateTime dt:
                    var utc = dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt;
                    return utc.TimeOfDay == TimeSpan.Zero
                        ? utc.TryFormat(destination, out written, "yyyy-MM-dd", CultureInfo.InvariantCulture)
                        : utc.TryFormat(destination, out written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
                case DateTimeOffset dto:
                    return dto.UtcDateTime.TryFormat(destination, out written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
                case DateOnly d:
                    return d.TryFormat(destination, out written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                case double or float:
                    return v.TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
                default:
                    return v.TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
            }
        }

        public override void WriteJson(int row, Utf8JsonWriter writer)
        {
            if (values[row] is not { } v)
            {
                writer.WriteNullValue();
                return;
            }

            switch (v)
            {
                case int i: writer.WriteNumberValue(i); break;
                case long l: writer.WriteNumberValue(l); break;
                case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
                case decimal m: writer.WriteNumberValue(m); break;
                default: base.WriteJson(row, writer); break;
            }
        }
    }
}
