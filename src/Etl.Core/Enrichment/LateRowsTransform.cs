using System.Text;
using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Reference;
using Etl.Parquet;

namespace Etl.Core.Enrichment;

/// <summary>
/// Drops rows already covered by what was committed for their key: given a watermark per key (the first day NOT yet
/// committed, i.e. the day after the latest date the files before this one wrote for key <c>acme</c>), a row dated before
/// it is filtered as <see cref="FilterName"/> (or rejected). The engine computes watermarks from the manifest, leaving out
/// the file's own earlier versions, so a re-sent or reprocessed file never loses its own rows. A key with no watermark has
/// nothing committed: every row is kept.
/// </summary>
public sealed class LateRowsTransform : IBatchTransform, IFileScopedTransform
{
    /// <summary>The filter name late rows are counted under.</summary>
    public const string FilterName = "late";

    private const long MicrosPerDay = 86_400_000_000L;
    private readonly int _date;
    private readonly bool _isTimestamp;
    private readonly string? _capture;
    private readonly int _keyColumn;
    private readonly RowAction _action;
    private readonly IReadOnlyDictionary<string, DateOnly> _watermarks;
    private readonly Utf8KeyMap<int> _columnWatermarks = new();
    private readonly string _keyLabel;
    private int _fileWatermark = int.MinValue;
    private string _fileKey = "";

    private LateRowsTransform(LateRowsDefinition definition, ParquetSchema input, int date, string? capture, int keyColumn, IReadOnlyDictionary<string, DateOnly> watermarks)
    {
        _date = date;
        _isTimestamp = input.Fields[date].Type == ParquetType.Timestamp;
        _capture = capture;
        _keyColumn = keyColumn;
        _action = definition.Action;
        _watermarks = watermarks;
        _keyLabel = definition.Key ?? "dataset";
        foreach (var (key, day) in watermarks)
        {
            _columnWatermarks.TryAdd(Encoding.UTF8.GetBytes(key), day.DayNumber - Typing.ValueParser.EpochDayNumber);
        }

        if (definition.Key is null && watermarks.TryGetValue("", out var all))
        {
            _fileWatermark = all.DayNumber - Typing.ValueParser.EpochDayNumber;
        }

        Name = "late_rows " + definition.DateColumn;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<ParquetField> AddedFields { get; } = [];

    /// <summary>Binds the rule.</summary>
    /// <param name="input">The columns the step sees.</param>
    /// <param name="definition">The rule.</param>
    /// <param name="watermarks">
    /// Key value (e.g. a partner; "" when the rule has no key) to the first day not yet committed for it (the day after
    /// the latest committed date); supplied by the engine from its manifest.
    /// </param>
    /// <param name="captures">Names the dataset's glob captures.</param>
    public static LateRowsTransform Create(ParquetSchema input, LateRowsDefinition definition, IReadOnlyDictionary<string, DateOnly> watermarks, IReadOnlyCollection<string> captures)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(watermarks);
        ArgumentNullException.ThrowIfNull(captures);
        var where = $"{definition.Location}: late_rows";
        var problems = new List<string>();
        var date = Columns.Find(input, definition.DateColumn);
        if (date < 0 || input.Fields[date].Type is not (ParquetType.Date or ParquetType.Timestamp))
        {
            problems.Add($"{where}: date column '{definition.DateColumn}' must be a date or timestamp column; columns are: {Columns.List(input)}");
        }

        string? capture = null;
        var keyColumn = -1;
        if (definition.Key is not null)
        {
            if (captures.Contains(definition.Key))
            {
                capture = definition.Key;
            }
            else
            {
                keyColumn = Columns.Find(input, definition.Key);
                if (keyColumn < 0 || input.Fields[keyColumn].Type != ParquetType.String)
                {
                    problems.Add($"{where}: key '{definition.Key}' is neither a capture of the match pattern ({string.Join(", ", captures)}) nor a string column");
                }
            }
        }

        if (definition.Action is not (RowAction.Filter or RowAction.Reject))
        {
            problems.Add($"{where}: action must be filter or reject");
        }

        if (problems.Count > 0)
        {
            throw new TransformDefinitionException(problems);
        }

        return new LateRowsTransform(definition, input, date, capture, keyColumn, watermarks);
    }

    /// <summary>
    /// Records, per key, the latest date among the rows still kept after the whole chain ran (day numbers since
    /// 1970-01-01); the engine stores the months with the file in the manifest, and later files' watermarks come from them.
    /// </summary>
    public void ObserveKept(ColumnBatch batch, RowDisposition rows, Dictionary<string, int> latestDayByKey)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(latestDayByKey);
        var dates = batch[_date];
        var keys = _keyColumn >= 0 ? (StringColumn)batch[_keyColumn] : null;
        var fileKey = _capture is null ? "" : _fileKey;
        var fileMax = int.MinValue;
        byte[] lastBytes = [];
        var lastKey = "";
        for (var r = 0; r < rows.RowCount; r++)
        {
            if (!rows.IsKept(r) || dates.IsNull(r))
            {
                continue;
            }

            var day = _isTimestamp ? (int)Math.Floor((double)((Int64Column)dates)[r] / MicrosPerDay) : ((Int32Column)dates)[r];
            if (keys is null)
            {
                fileMax = Math.Max(fileMax, day);
            }
            else if (!keys.IsNull(r))
            {
                // A string only when the key differs from the previous row's: rows of one key usually come together.
                var bytes = Typing.ValueParser.Trim(keys.GetBytes(r));
                if (!bytes.SequenceEqual(lastBytes))
                {
                    lastBytes = bytes.ToArray();
                    lastKey = Encoding.UTF8.GetString(bytes);
                }

                latestDayByKey[lastKey] = latestDayByKey.TryGetValue(lastKey, out var known) ? Math.Max(known, day) : day;
            }
        }

        if (fileMax != int.MinValue)
        {
            latestDayByKey[fileKey] = latestDayByKey.TryGetValue(fileKey, out var known) ? Math.Max(known, fileMax) : fileMax;
        }
    }

    /// <summary>The first day of a month, as the engine's watermark for a year/month partition.</summary>
    public static DateOnly MonthStart(int year, int month) => new(year, month, 1);

    /// <inheritdoc />
    public void BeginFile(IReadOnlyDictionary<string, string> captures)
    {
        ArgumentNullException.ThrowIfNull(captures);
        if (_capture is null)
        {
            return;
        }

        _fileWatermark = int.MinValue;
        _fileKey = captures.TryGetValue(_capture, out var key) ? key : "";
        if (_watermarks.TryGetValue(_fileKey, out var day))
        {
            _fileWatermark = day.DayNumber - Typing.ValueParser.EpochDayNumber;
        }
    }

    /// <inheritdoc />
    public void Apply(ColumnBatch batch, int rowCount, RowDisposition rows)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rows);
        var dates = batch[_date];
        var keys = _keyColumn >= 0 ? (StringColumn)batch[_keyColumn] : null;
        for (var r = 0; r < rowCount; r++)
        {
            if (dates.IsNull(r))
            {
                continue;
            }

            var watermark = _fileWatermark;
            if (keys is not null)
            {
                watermark = !keys.IsNull(r) && _columnWatermarks.TryGetValue(Typing.ValueParser.Trim(keys.GetBytes(r)), out var w) ? w : int.MinValue;
            }

            var day = _isTimestamp ? (int)Math.Floor((double)((Int64Column)dates)[r] / MicrosPerDay) : ((Int32Column)dates)[r];
            if (day >= watermark)
            {
                continue;
            }

            if (_action == RowAction.Filter)
            {
                rows.Filter(r, FilterName);
            }
            else
            {
                var key = keys is null ? _fileKey : keys.GetString(r);
                rows.Reject(r, dates.Field.Name, $"{dates.Field.Name} {CurrencyRateTable.FormatDay(day)} is not after {CurrencyRateTable.FormatDay(watermark - 1)}, the latest date already committed for {_keyLabel} '{key}'");
            }
        }
    }
}
