using System.Globalization;
using System.Text;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Typing;
using Etl.Parquet;
using PqDataField = global::Parquet.Schema.DataField;
using PqReader = global::Parquet.ParquetReader;
using PqRowGroupReader = global::Parquet.ParquetRowGroupReader;

namespace Etl.Core.Reading;

/// <summary>
/// A Parquet file read with Parquet.Net (any writer's file: nested groups, dictionary and DELTA encodings, every codec),
/// a row group at a time. Where a field's physical and logical type is the declared column's (integers, dates,
/// timestamps, doubles, decimals, booleans), its values are read raw (unboxed arrays plus definition levels) and moved
/// straight into the column batch with the checks its text would get (range, decimal scale and precision), see
/// <see cref="TryAppendTyped"/>; UTF-8 strings are handed on as their bytes. Every other pair is seen as text, which the
/// pipeline types with exactly the rules it uses for CSV and JSON lines. Declared columns are found by name or alias
/// among the top-level fields, or at a nested <c>path</c> through groups (structs).
/// </summary>
internal sealed partial class ParquetInput : IFieldRecord, IAsyncDisposable
{
    private readonly PqReader _reader;
    private readonly PqDataField?[] _fields;
    private readonly ParquetType[] _types;
    private readonly PqDataField[] _extraFields;
    private readonly string[] _extraNames;
    private readonly ParquetColumnValues?[] _values;
    private readonly ParquetColumnValues?[] _extraValues;
    private readonly RawBuffers[] _buffers;
    private readonly RawBuffers _scratch = new();
    private readonly byte[][] _text;
    private int _rowGroup = -1;
    private int _rowsInGroup;
    private long _rowsBefore;

    private ParquetInput(PqReader reader, PqDataField?[] fields, ParquetType[] types, PqDataField[] extraFields, string[] extraNames)
    {
        _types = types;
        _reader = reader;
        _fields = fields;
        _extraFields = extraFields;
        _extraNames = extraNames;
        _values = new ParquetColumnValues?[fields.Length];
        _extraValues = new ParquetColumnValues?[extraFields.Length];
        _buffers = new RawBuffers[fields.Length];
        for (var i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = new RawBuffers();
        }

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
    /// Whether the fields no column names are read for rescue (<c>extra_columns: rescue</c>); otherwise only their names
    /// are known, and their column chunks are never decoded.
    /// </summary>
    public bool ReadExtras { get; set; } = true;

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

            return new ParquetInput(reader, fields, [.. columns.Select(c => c.Field.Type)], [.. extras], [.. names]);
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

            // The previous group's values go before this one's are read: one row group's columns at a time.
            Array.Clear(_values);
            Array.Clear(_extraValues);
            foreach (var buffers in _buffers)
            {
                buffers.Release();
            }
            for (var c = 0; c < _fields.Length; c++)
            {
                _values[c] = _fields[c] is { } field
                    ? await LoadRawAsync(group, field, _types[c], rows, _buffers[c], _scratch, cancellationToken).ConfigureAwait(false)
                        ?? await LoadAsync(group, field, rows, cancellationToken).ConfigureAwait(false)
                    : null;
            }

            for (var e = 0; e < _extraFields.Length && ReadExtras; e++)
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

        if (values is Utf8Values utf8)
        {
            value = utf8.Get(Row);
            return JsonlValueKind.Scalar;
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
    public TypedAppend TryAppendTyped(int column, ColumnBuffer target, ColumnDefinition definition, out string? reason)
    {
        reason = null;
        return _values[column] is { } values ? values.TryAppend(Row, target, definition, out reason) : TypedAppend.NotTyped;
    }

    /// <inheritdoc />
    public void WriteExtras(Utf8JsonWriter writer)
    {
        for (var e = 0; e < _extraValues.Length; e++)
        {
            writer.WritePropertyName(_extraNames[e]);
            if (_extraValues[e] is { } values)
            {
                values.WriteJson(Row, writer);
            }
            else
            {
                writer.WriteNullValue();
            }
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

    /// <summary>
    /// Reads a declared column's chunk raw, without nullable or boxed values: INT32 / INT64 (plain integers, dates,
    /// timestamps, decimals, small and unsigned integers), DOUBLE, FLOAT, BOOLEAN and UTF-8 BYTE_ARRAY (as its bytes).
    /// Values are decoded exactly as <see cref="LoadAsync"/> decodes them (the same range failures), into buffers reused
    /// from row group to row group. Null for any other field, which takes <see cref="LoadAsync"/>.
    /// </summary>
    private static async ValueTask<ParquetColumnValues?> LoadRawAsync(PqRowGroupReader group, PqDataField field, ParquetType target, int rows, RawBuffers buffers, RawBuffers scratch, CancellationToken cancellationToken)
    {
        var element = field.SchemaElement;
        var clr = field.ClrType;
        var physical = element?.Type;
        int[]? defs = field.MaxDefinitionLevel > 0 ? RawBuffers.Sized(ref scratch.Defs, rows) : null;
        var defsMemory = defs is null ? (Memory<int>?)null : defs.AsMemory(0, rows);
        switch (physical)
        {
            case global::Parquet.Meta.Type.DOUBLE when clr == typeof(double):
                {
                    var values = RawBuffers.Sized(ref buffers.Doubles, rows);
                    await group.ReadRawAsync(field, values.AsMemory(0, rows), defsMemory, null, cancellationToken).ConfigureAwait(false);
                    Spread(values, defs, field.MaxDefinitionLevel, rows);
                    return new DoubleValues(values, Nulls(defs, field.MaxDefinitionLevel, rows, buffers));
                }

            case global::Parquet.Meta.Type.FLOAT when clr == typeof(float):
                {
                    var values = RawBuffers.Sized(ref buffers.Floats, rows);
                    await group.ReadRawAsync(field, values.AsMemory(0, rows), defsMemory, null, cancellationToken).ConfigureAwait(false);
                    Spread(values, defs, field.MaxDefinitionLevel, rows);
                    return new FloatValues(values, Nulls(defs, field.MaxDefinitionLevel, rows, buffers));
                }

            case global::Parquet.Meta.Type.BOOLEAN when clr == typeof(bool):
                {
                    var values = RawBuffers.Sized(ref buffers.Booleans, rows);
                    await group.ReadRawAsync(field, values.AsMemory(0, rows), defsMemory, null, cancellationToken).ConfigureAwait(false);
                    Spread(values, defs, field.MaxDefinitionLevel, rows);
                    return new BoolValues(values, Nulls(defs, field.MaxDefinitionLevel, rows, buffers));
                }

            case global::Parquet.Meta.Type.BYTE_ARRAY when clr == typeof(string) || clr == typeof(ReadOnlyMemory<char>):
                {
                    if (StandIn(field, typeof(ReadOnlyMemory<byte>)) is not { } standIn)
                    {
                        return null;
                    }

                    var values = RawBuffers.Sized(ref buffers.Bytes, rows);
                    await group.ReadRawAsync(standIn, values.AsMemory(0, rows), defsMemory, null, cancellationToken).ConfigureAwait(false);
                    var count = Spread(values, defs, field.MaxDefinitionLevel, rows);

                    // As text, bytes that are not UTF-8 were decoded with replacement characters: so they are here.
                    for (var i = 0; i < rows && count > 0; i++)
                    {
                        if ((defs is null || defs[i] == field.MaxDefinitionLevel) && !System.Text.Unicode.Utf8.IsValid(values[i].Span))
                        {
                            values[i] = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(values[i].Span));
                        }
                    }

                    return new Utf8Values(values, Nulls(defs, field.MaxDefinitionLevel, rows, buffers));
                }

            case global::Parquet.Meta.Type.FIXED_LEN_BYTE_ARRAY or global::Parquet.Meta.Type.BYTE_ARRAY
                when clr == typeof(decimal) && target == ParquetType.Decimal && (element!.LogicalType?.DECIMAL?.Precision ?? element.Precision ?? 0) > 28:
                {
                    // Past 28 digits System.Decimal overflows: the two's complement bytes are read as they are.
                    if (StandIn(field, typeof(ReadOnlyMemory<byte>)) is not { } standIn)
                    {
                        return null;
                    }

                    var bytes = RawBuffers.Sized(ref scratch.Bytes, rows);
                    await group.ReadRawAsync(standIn, bytes.AsMemory(0, rows), defsMemory, null, cancellationToken).ConfigureAwait(false);
                    var count = Spread(bytes, defs, field.MaxDefinitionLevel, rows);
                    var values = RawBuffers.Sized(ref buffers.Wide, rows);
                    for (var r = 0; r < rows && count > 0; r++)
                    {
                        if (defs is null || defs[r] == field.MaxDefinitionLevel)
                        {
                            values[r] = BigEndian(bytes[r].Span);
                        }
                    }

                    Array.Clear(bytes, 0, rows);
                    var scale = element.LogicalType?.DECIMAL?.Scale ?? element.Scale ?? 0;
                    return new WideDecimalValues(values, Nulls(defs, field.MaxDefinitionLevel, rows, buffers), scale);
                }

            case global::Parquet.Meta.Type.INT32 or global::Parquet.Meta.Type.INT64:
                return await IntegersAsync(group, field, rows, buffers, scratch, defs, cancellationToken).ConfigureAwait(false);
            default:
                return null;
        }
    }

    /// <summary>
    /// What an INT32 / INT64 column's annotation makes of its values: a date (days since the epoch), a timestamp (ticks
    /// per stored unit: milliseconds, microseconds, or -100 for nanoseconds, divided by 100), or neither (0).
    /// </summary>
    private static (bool IsDate, long TicksPerUnit) TemporalMeaning(global::Parquet.Meta.SchemaElement element)
    {
        var logical = element.LogicalType;
        var isDate = logical?.DATE is not null || element.ConvertedType == global::Parquet.Meta.ConvertedType.DATE;
        if (logical?.TIMESTAMP is { } ts)
        {
            return (isDate, ts.Unit.MILLIS is not null ? TimeSpan.TicksPerMillisecond : ts.Unit.MICROS is not null ? 10 : -100);
        }

        return (isDate, element.ConvertedType switch
        {
            global::Parquet.Meta.ConvertedType.TIMESTAMP_MILLIS => TimeSpan.TicksPerMillisecond,
            global::Parquet.Meta.ConvertedType.TIMESTAMP_MICROS => 10,
            _ => 0,
        });
    }

    /// <summary>INT32 / INT64 chunks as 64-bit values, with what they mean (integer, date, timestamp, decimal).</summary>
    private static async ValueTask<ParquetColumnValues?> IntegersAsync(PqRowGroupReader group, PqDataField field, int rows, RawBuffers buffers, RawBuffers scratch, int[]? defs, CancellationToken cancellationToken)
    {
        var element = field.SchemaElement!;
        var clr = field.ClrType;
        var logical = element.LogicalType;
        var (isDate, ticksPerUnit) = TemporalMeaning(element);

        var plain = clr == typeof(int) || clr == typeof(long);
        var isDecimal = !plain && clr == typeof(decimal);
        var scale = logical?.DECIMAL?.Scale ?? element.Scale ?? 0;
        var unsigned = !plain && (logical?.INTEGER is { IsSigned: false } || clr == typeof(uint) || clr == typeof(ulong) || clr == typeof(ushort) || clr == typeof(byte));
        var integer = plain || clr == typeof(short) || clr == typeof(sbyte) || clr == typeof(ushort) || clr == typeof(byte) || clr == typeof(uint) || clr == typeof(ulong);
        if (plain)
        {
            isDate = false;
            ticksPerUnit = 0;
        }

        // A decimal's scale past 28 fails as a .NET decimal; LoadAsync reports it as it always has.
        if ((!isDate && ticksPerUnit == 0 && !isDecimal && !integer) || (isDecimal && scale > 28))
        {
            return null;
        }

        var wide = element.Type == global::Parquet.Meta.Type.INT64;
        var standIn = plain ? field : StandIn(field, wide ? typeof(long) : typeof(int));
        if (standIn is null)
        {
            return null;
        }

        var defsMemory = defs is null ? (Memory<int>?)null : defs.AsMemory(0, rows);
        var raw = RawBuffers.Sized(ref buffers.Longs, rows);
        if (wide)
        {
            await group.ReadRawAsync(standIn, raw.AsMemory(0, rows), defsMemory, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var narrow = RawBuffers.Sized(ref scratch.Ints, rows);
            await group.ReadRawAsync(standIn, narrow.AsMemory(0, rows), defsMemory, null, cancellationToken).ConfigureAwait(false);
            for (var r = 0; r < rows; r++)
            {
                raw[r] = unsigned ? (uint)narrow[r] : narrow[r];
            }
        }

        var count = Spread(raw, defs, field.MaxDefinitionLevel, rows);
        var maxDef = field.MaxDefinitionLevel;
        if (integer && !isDate && ticksPerUnit == 0 && !isDecimal && count > 0)
        {
            CheckAgainstStatistics(group, field, raw, defs, maxDef, rows, unsigned, wide && unsigned);
        }
        if (isDate || ticksPerUnit != 0)
        {
            for (var r = 0; r < rows && count > 0; r++)
            {
                if (defs is null || defs[r] == maxDef)
                {
                    var v = raw[r];
                    if (isDate)
                    {
                        // Days outside 0001-01-01 .. 9999-12-31 fail as they do as DateTime.
                        if (v is < -ValueParser.EpochDayNumber or > 2_932_896)
                        {
                            _ = DateTime.UnixEpoch.AddDays(v);
                        }
                    }
                    else
                    {
                        // Kept as ticks (nanoseconds divided: the 100 ns tick is the precision kept); out of range fails.
                        var ticks = DateTime.UnixEpoch.Ticks + (ticksPerUnit > 0 ? v * ticksPerUnit : v / 100);
                        if (ticks < 0 || ticks > DateTime.MaxValue.Ticks)
                        {
                            _ = new DateTime(ticks, DateTimeKind.Utc);
                        }

                        raw[r] = ticks;
                    }
                }
            }

            var nulls = Nulls(defs, maxDef, rows, buffers);
            return isDate ? new DateValues(raw, nulls) : new TimestampValues(raw, nulls);
        }

        return isDecimal
            ? new DecimalValues(raw, Nulls(defs, maxDef, rows, buffers), (byte)scale)
            : new IntegerValues(raw, Nulls(defs, maxDef, rows, buffers), wide && unsigned);
    }

    /// <summary>
    /// Integers decoded from a column chunk must lie within the minimum and maximum its writer recorded. Parquet.Net
    /// 6.1.0 decodes some DELTA_BINARY_PACKED pages of UINT32 columns wrongly, with no error (values that jump by more
    /// than 2^31, as DuckDB writes them in format v2): such a file is refused whole rather than loaded with wrong
    /// numbers. A chunk without statistics is not checked; an unsigned column's bounds, which Parquet.Net hands back as
    /// signed values, are read back as unsigned.
    /// </summary>
    private static void CheckAgainstStatistics(PqRowGroupReader group, PqDataField field, long[] raw, int[]? defs, int maxDef, int rows, bool unsignedColumn, bool unsignedWide)
    {
        global::Parquet.Data.DataColumnStatistics? stats;
        try
        {
            stats = group.GetStatistics(field);
        }
        catch (global::Parquet.ParquetException)
        {
            return;
        }

        if (stats is null || !TryInteger(stats.MinValue, unsignedColumn, out var min) || !TryInteger(stats.MaxValue, unsignedColumn, out var max) || min > max)
        {
            return;
        }

        Int128 low = Int128.MaxValue, high = Int128.MinValue;
        for (var r = 0; r < rows; r++)
        {
            if (defs is null || defs[r] == maxDef)
            {
                Int128 v = unsignedWide ? (ulong)raw[r] : raw[r];
                low = v < low ? v : low;
                high = v > high ? v : high;
            }
        }

        if (low < min || high > max)
        {
            throw new ParquetInputException(string.Create(CultureInfo.InvariantCulture,
                $"field '{string.Join('.', field.Path.ToList())}' decodes to values from {low} to {high}, outside the minimum {min} and maximum {max} the file records for it, so its pages were decoded wrongly (the Parquet reader, Parquet.Net 6.1.0, misreads some DELTA_BINARY_PACKED pages of unsigned columns) and nothing of the file is loaded; re-write it with format version 1 (DuckDB: PARQUET_VERSION v1) or the column as a signed BIGINT, and drop it again"));
        }
    }

    /// <summary>A statistics bound as a number; an unsigned column's bound comes back as its signed bit pattern.</summary>
    private static bool TryInteger(object? value, bool unsignedColumn, out Int128 result)
    {
        switch (value)
        {
            case int i: result = unsignedColumn ? (uint)i : i; return true;
            case long l: result = unsignedColumn ? (ulong)l : l; return true;
            case uint u: result = u; return true;
            case ulong ul: result = ul; return true;
            case short sh: result = sh; return true;
            case ushort us: result = us; return true;
            case sbyte sb: result = sb; return true;
            case byte b: result = b; return true;
            default: result = 0; return false;
        }
    }

    /// <summary>A big-endian two's complement integer of up to 16 bytes (a DECIMAL's unscaled value).</summary>
    private static Int128 BigEndian(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 16)
        {
            throw new ParquetInputException($"a DECIMAL value of {bytes.Length} bytes is wider than 38 digits");
        }

        Int128 v = bytes.Length > 0 && (bytes[0] & 0x80) != 0 ? -1 : 0;
        foreach (var b in bytes)
        {
            v = (v << 8) | b;
        }

        return v;
    }

    /// <summary>
    /// Which rows are null, from the definition levels (read into a buffer all columns share): null when none is, else
    /// a flag per row in the column's own buffer.
    /// </summary>
    private static bool[]? Nulls(int[]? defs, int maxDef, int rows, RawBuffers buffers)
    {
        if (defs is null || defs.AsSpan(0, rows).IndexOfAnyExcept(maxDef) < 0)
        {
            return null;
        }

        var nulls = RawBuffers.Sized(ref buffers.Nulls, rows);
        for (var r = 0; r < rows; r++)
        {
            nulls[r] = defs[r] != maxDef;
        }

        return nulls;
    }

    /// <summary>
    /// Moves packed values (non-null ones only, as read raw) to their rows, from the last back, so that row r's value is
    /// at r; returns how many there are.
    /// </summary>
    private static int Spread<T>(T[] values, int[]? defs, int maxDef, int rows)
    {
        if (defs is null)
        {
            return rows;
        }

        var count = 0;
        for (var r = 0; r < rows; r++)
        {
            if (defs[r] == maxDef)
            {
                count++;
            }
        }

        var k = count - 1;
        for (var r = rows - 1; r >= 0 && k < r; r--)
        {
            if (defs[r] == maxDef)
            {
                values[r] = values[k--];
            }
        }

        return count;
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
        var (isDate, ticksPerUnit) = TemporalMeaning(element);

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
}
