using System.Text;
using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Reference;
using Etl.Parquet;

namespace Etl.Core.Enrichment;

/// <summary>
/// Converts amount columns to USD: for each amount column <c>x</c> adds <c>x_usd</c> = x * rate, as an exact decimal
/// rounded half away from zero to the output scale. The rate is the latest one effective on or before the row's date
/// for the row's currency (from a column, a fixed code, or a code per partner). A row with an amount but no rate is
/// rejected with code <see cref="RejectCode"/>; a null amount gives a null <c>x_usd</c>.
/// </summary>
public sealed class CurrencyConversionTransform : IBatchTransform, IFileScopedTransform, IReferenceDataTransform
{
    private const long MicrosPerDay = 86_400_000_000L;
    private readonly CurrencyRateTable _rates;
    private readonly int[] _amounts;
    private readonly int[] _amountScales;
    private readonly int _firstOutput;
    private readonly int _precision;
    private readonly int _scale;
    private readonly int _dateColumn;
    private readonly bool _dateIsTimestamp;
    private readonly int _currencyColumn;
    private readonly string _currencyLabel;
    private readonly int _fixedIndex;
    private readonly string? _fixedCode;
    private readonly string? _byCapture;
    private readonly IReadOnlyDictionary<string, string>? _map;
    private readonly Utf8KeyMap<int>? _columnMap;
    private readonly string[] _mappedCodes;
    private readonly int[] _mappedIndexes;
    private int _mappedLast = -1;
    private int _fileIndex = int.MinValue;
    private string? _fileCode;
    private string? _fileProblem;
    private readonly byte[] _code = new byte[16];
    private readonly byte[] _lastCode = new byte[16];
    private readonly DecimalColumn[] _outputs;

    private CurrencyConversionTransform(ConvertCurrencyDefinition definition, CurrencyRateTable rates, ParquetSchema input, int dateColumn, int currencyColumn, int[] amounts, string? byCapture, Utf8KeyMap<int>? columnMap)
    {
        _rates = rates;
        _amounts = amounts;
        _amountScales = [.. amounts.Select(a => input.Fields[a].Type == ParquetType.Decimal ? input.Fields[a].Scale : 0)];
        _firstOutput = input.Fields.Count;
        _precision = definition.Precision;
        _scale = definition.Scale;
        _dateColumn = dateColumn;
        _dateIsTimestamp = input.Fields[dateColumn].Type == ParquetType.Timestamp;
        _currencyColumn = currencyColumn;
        _currencyLabel = currencyColumn >= 0 ? input.Fields[currencyColumn].Name : definition.Currency.By ?? "currency";
        _fixedCode = definition.Currency.Fixed?.ToUpperInvariant();
        _fixedIndex = _fixedCode is null ? int.MinValue : rates.IndexOf(Encoding.ASCII.GetBytes(_fixedCode));
        _byCapture = byCapture;
        _map = definition.Currency.Map;
        _columnMap = columnMap;
        _mappedCodes = columnMap is null ? [] : [.. definition.Currency.Map!.Values.Select(c => c.ToUpperInvariant())];
        _mappedIndexes = [.. _mappedCodes.Select(c => rates.IndexOf(Encoding.ASCII.GetBytes(c)))];
        RejectCode = "missing_rate:" + definition.Rates;
        _outputs = new DecimalColumn[amounts.Length];
        AddedFields = [.. amounts.Select(a => ParquetField.Decimal(input.Fields[a].Name + "_usd", definition.Precision, definition.Scale))];
        Name = "convert_currency " + string.Join(", ", amounts.Select(a => input.Fields[a].Name));
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<ParquetField> AddedFields { get; }

    /// <inheritdoc />
    public string RejectCode { get; }

    /// <inheritdoc />
    public string ReferenceHash => _rates.ContentHash;

    /// <summary>Binds the definition to the schema and the loaded table; every problem is reported at once.</summary>
    /// <param name="input">The columns the step sees.</param>
    /// <param name="definition">The definition.</param>
    /// <param name="rates">The rate table.</param>
    /// <param name="captures">Names the dataset's glob captures (e.g. partner).</param>
    public static CurrencyConversionTransform Create(ParquetSchema input, ConvertCurrencyDefinition definition, CurrencyRateTable rates, IReadOnlyCollection<string> captures)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(rates);
        ArgumentNullException.ThrowIfNull(captures);
        var where = $"{definition.Location}: convert_currency";
        var problems = new List<string>();
        var date = Columns.Find(input, definition.DateColumn);
        if (date < 0)
        {
            problems.Add($"{where}: date column '{definition.DateColumn}' does not exist; columns are: {Columns.List(input)}");
        }
        else if (input.Fields[date].Type is not (ParquetType.Date or ParquetType.Timestamp))
        {
            problems.Add($"{where}: date column '{definition.DateColumn}' is {input.Fields[date].Type}; it must be a date or timestamp");
        }

        var amounts = new List<int>();
        if (definition.Amounts.Count == 0)
        {
            problems.Add($"{where}: 'amounts' is empty; list the amount columns to convert");
        }

        foreach (var name in definition.Amounts)
        {
            var a = Columns.Find(input, name);
            if (a < 0)
            {
                problems.Add($"{where}: amount column '{name}' does not exist; columns are: {Columns.List(input)}");
            }
            else if (input.Fields[a].Type is not (ParquetType.Decimal or ParquetType.Int32 or ParquetType.Int64))
            {
                problems.Add($"{where}: amount column '{name}' is {input.Fields[a].Type}; it must be a decimal or an integer (declare it as decimal(p,s))");
            }
            else
            {
                amounts.Add(a);
            }
        }

        if (definition.Precision is < 1 or > 38 || definition.Scale < 0 || definition.Scale > definition.Precision)
        {
            problems.Add($"{where}: output decimal({definition.Precision},{definition.Scale}) is not valid; precision 1..38, scale 0..precision");
        }

        var source = definition.Currency;
        var currencyColumn = -1;
        string? byCapture = null;
        Utf8KeyMap<int>? columnMap = null;
        var set = (source.Column is null ? 0 : 1) + (source.Fixed is null ? 0 : 1) + (source.By is null ? 0 : 1);
        if (set != 1)
        {
            problems.Add($"{where}: say where the currency comes from with exactly one of 'currency_column', 'currency' (a fixed code) or 'currency_by' with 'currencies'");
        }
        else if (source.Column is not null)
        {
            currencyColumn = Columns.Find(input, source.Column);
            if (currencyColumn < 0 || input.Fields[currencyColumn].Type != ParquetType.String)
            {
                problems.Add($"{where}: currency column '{source.Column}' must be a string column; columns are: {Columns.List(input)}");
            }
        }
        else if (source.Fixed is not null)
        {
            CheckCode(source.Fixed, rates, where, problems);
        }
        else
        {
            if (source.Map is null || source.Map.Count == 0)
            {
                problems.Add($"{where}: 'currency_by: {source.By}' needs 'currencies:' mapping each {source.By} to a currency code");
            }
            else
            {
                foreach (var code in source.Map.Values)
                {
                    CheckCode(code, rates, where, problems);
                }
            }

            if (captures.Contains(source.By!))
            {
                byCapture = source.By;
            }
            else
            {
                currencyColumn = Columns.Find(input, source.By!);
                if (currencyColumn < 0 || input.Fields[currencyColumn].Type != ParquetType.String)
                {
                    problems.Add($"{where}: currency_by '{source.By}' is neither a capture of the match pattern ({string.Join(", ", captures)}) nor a string column");
                }
                else if (source.Map is not null)
                {
                    // Resolved to the table's currency index once, so rows do no string work.
                    // Values of the 'by' column map to positions in the mapped-code list (resolved once).
                    columnMap = new Utf8KeyMap<int>();
                    foreach (var (value, _) in source.Map)
                    {
                        columnMap.TryAdd(Encoding.UTF8.GetBytes(value), columnMap.Count);
                    }
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new TransformDefinitionException(problems);
        }

        return new CurrencyConversionTransform(definition, rates, input, date, currencyColumn, [.. amounts], byCapture, columnMap);
    }

    /// <inheritdoc />
    public void BeginFile(IReadOnlyDictionary<string, string> captures)
    {
        ArgumentNullException.ThrowIfNull(captures);
        if (_byCapture is null)
        {
            return;
        }

        _fileProblem = null;
        _fileCode = null;
        _fileIndex = int.MinValue;
        if (!captures.TryGetValue(_byCapture, out var value))
        {
            _fileProblem = $"the file's path has no '{_byCapture}' to pick the currency";
        }
        else if (_map is null || !_map.TryGetValue(value, out var code))
        {
            _fileProblem = $"no currency configured for {_byCapture} '{value}'; add it under 'currencies:'";
        }
        else
        {
            _fileCode = code.ToUpperInvariant();
            _fileIndex = _rates.IndexOf(Encoding.ASCII.GetBytes(_fileCode));
        }
    }

    /// <inheritdoc />
    public void Apply(ColumnBatch batch, int rowCount, RowDisposition rows)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rows);
        var outputs = _outputs;
        for (var a = 0; a < _amounts.Length; a++)
        {
            outputs[a] = (DecimalColumn)batch[_firstOutput + a];
        }

        var dates = batch[_dateColumn];
        var currencies = _currencyColumn >= 0 ? (StringColumn)batch[_currencyColumn] : null;
        var lastIndex = int.MinValue;
        var lastLength = -1;
        for (var r = 0; r < rowCount; r++)
        {
            if (!HasAmount(batch, r))
            {
                AppendNulls(outputs);
                continue;
            }

            if (!TryRowCurrency(currencies, r, ref lastIndex, ref lastLength, out var index, out var problem))
            {
                rows.Reject(r, _currencyLabel, problem!);
                AppendNulls(outputs);
                continue;
            }

            if (dates.IsNull(r))
            {
                rows.Reject(r, dates.Field.Name, $"{dates.Field.Name} is empty, so no USD rate can be picked");
                AppendNulls(outputs);
                continue;
            }

            var day = _dateIsTimestamp
                ? (int)Math.Floor((double)((Int64Column)dates)[r] / MicrosPerDay)
                : ((Int32Column)dates)[r];
            if (index == -1 || !_rates.TryGetRate(index, day, out var rate))
            {
                rows.Reject(r, _currencyLabel, $"no USD rate for {CodeText(currencies, r)} on or before {CurrencyRateTable.FormatDay(day)} in {_rates.Source}", RejectCode);
                AppendNulls(outputs);
                continue;
            }

            for (var a = 0; a < _amounts.Length; a++)
            {
                var column = batch[_amounts[a]];
                if (column.IsNull(r))
                {
                    outputs[a].AppendNull();
                    continue;
                }

                Int128 amount = column switch
                {
                    DecimalColumn d => d[r],
                    Int64Column l => l[r],
                    _ => ((Int32Column)column)[r],
                };
                if (DecimalMath.TryMultiply(amount, rate, out var product)
                    && DecimalMath.TryRescale(product, _amountScales[a] + CurrencyRateTable.RateScale, _scale, out var usd)
                    && DecimalMath.FitsPrecision(usd, _precision))
                {
                    outputs[a].Append(usd);
                }
                else
                {
                    rows.Reject(r, outputs[a].Field.Name, $"{column.Field.Name} {Typing.DecimalText.Format(amount, _amountScales[a])} in USD does not fit decimal({_precision},{_scale})");
                    outputs[a].AppendNull();
                }
            }
        }
    }

    private bool HasAmount(ColumnBatch batch, int r)
    {
        foreach (var a in _amounts)
        {
            if (!batch[a].IsNull(r))
            {
                return true;
            }
        }

        return false;
    }

    private bool TryRowCurrency(StringColumn? currencies, int r, ref int lastIndex, ref int lastLength, out int index, out string? problem)
    {
        problem = null;
        if (_fixedCode is not null)
        {
            index = _fixedIndex;
            return true;
        }

        if (_byCapture is not null)
        {
            index = _fileIndex;
            problem = _fileProblem;
            return _fileProblem is null;
        }

        index = -1;
        if (currencies!.IsNull(r))
        {
            problem = $"{_currencyLabel} is empty, so the amount cannot be converted to USD";
            return false;
        }

        var raw = Typing.ValueParser.Trim(currencies.GetBytes(r));
        if (_columnMap is not null)
        {
            if (!_columnMap.TryGetValue(raw, out var position))
            {
                problem = $"no currency configured for {_currencyLabel} '{Encoding.UTF8.GetString(raw)}'; add it under 'currencies:'";
                return false;
            }

            _mappedLast = position;
            index = _mappedIndexes[position];
            return true;
        }

        if (raw.Length > _code.Length || System.Text.Ascii.ToUpper(raw, _code, out var n) != System.Buffers.OperationStatus.Done)
        {
            problem = $"{_currencyLabel} '{Encoding.UTF8.GetString(raw)}' is not a currency code";
            return false;
        }

        // Rows of one file mostly share a currency: reuse the last lookup while the code is unchanged.
        var code = _code.AsSpan(0, n);
        if (lastLength == n && code.SequenceEqual(_lastCode.AsSpan(0, n)))
        {
            index = lastIndex;
            return true;
        }

        index = _rates.IndexOf(code);
        lastIndex = index;
        lastLength = n;
        code.CopyTo(_lastCode);
        return true;
    }

    private string CodeText(StringColumn? currencies, int r) =>
        _fixedCode ?? _fileCode ?? (_columnMap is not null ? _mappedCodes[_mappedLast] : null) ?? (currencies is null ? "?" : Encoding.UTF8.GetString(Typing.ValueParser.Trim(currencies.GetBytes(r))).ToUpperInvariant());

    private static void AppendNulls(DecimalColumn[] outputs)
    {
        foreach (var o in outputs)
        {
            o.AppendNull();
        }
    }

    private static void CheckCode(string code, CurrencyRateTable rates, string where, List<string> problems)
    {
        var bytes = Encoding.UTF8.GetBytes(code.ToUpperInvariant());
        if (rates.IndexOf(bytes) == -1)
        {
            problems.Add($"{where}: currency '{code}' has no rates in {rates.Source}; add its rates or fix the code");
        }
    }
}
