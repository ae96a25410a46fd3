using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Expressions;
using Etl.Core.Enrichment.Reference;
using Etl.Parquet;

namespace Etl.Core.Enrichment;

/// <summary>
/// Joins each row to a <see cref="LookupTable"/> on one key column and adds the table's columns. A missing key (or a
/// null key) either rejects the row (code <see cref="RejectCode"/>, so the file is retried when the table changes) or
/// keeps it with nulls in the added columns and counts it in the note <see cref="MissingNote"/>.
/// </summary>
public sealed class LookupTransform : IBatchTransform, IReferenceDataTransform
{
    private readonly LookupTable _table;
    private readonly int _key;
    private readonly ParquetType _keyType;
    private readonly int[] _sources;
    private readonly int _firstOutput;
    private readonly RowAction _onMissing;
    private readonly string _keyName;
    private readonly string _lookupName;
    private readonly Dictionary<long, int>? _integerKeys;

    private LookupTransform(LookupDefinition definition, LookupTable table, ParquetSchema input, int key, int[] sources, ParquetField[] fields)
    {
        _table = table;
        _key = key;
        _keyType = input.Fields[key].Type;
        _keyName = input.Fields[key].Name;
        _sources = sources;
        _firstOutput = input.Fields.Count;
        _onMissing = definition.OnMissing;
        _lookupName = definition.Name;
        _integerKeys = _keyType is ParquetType.Int32 or ParquetType.Int64 ? table.IntegerKeys : null;
        AddedFields = fields;
        RejectCode = "missing_key:" + definition.Name;
        MissingNote = $"lookup {definition.Name}: missing key kept with nulls";
        Name = "lookup " + definition.Name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<ParquetField> AddedFields { get; }

    /// <inheritdoc />
    public string RejectCode { get; }

    /// <inheritdoc />
    public string ReferenceHash => _table.ContentHash;

    /// <summary>The <see cref="RowDisposition.Notes"/> name counting rows kept with a missing key.</summary>
    public string MissingNote { get; }

    /// <summary>
    /// Binds the definition to the schema and to <paramref name="table"/>, which must have been loaded with the
    /// definition's table key and columns (see <see cref="TableColumns"/>).
    /// </summary>
    public static LookupTransform Create(ParquetSchema input, LookupDefinition definition, LookupTable table)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(table);
        var where = $"{definition.Location}: lookup '{definition.Name}'";
        var problems = new List<string>();
        var key = Columns.Find(input, definition.Key);
        if (key < 0)
        {
            problems.Add($"{where}: key column '{definition.Key}' does not exist; columns are: {Columns.List(input)}");
        }
        else if (input.Fields[key].Type is not (ParquetType.String or ParquetType.Int32 or ParquetType.Int64))
        {
            problems.Add($"{where}: key column '{definition.Key}' is {input.Fields[key].Type}; lookups join on a string or integer key");
        }

        if (definition.OnMissing is not (RowAction.Reject or RowAction.KeepWithNulls))
        {
            problems.Add($"{where}: on_missing must be reject or keep");
        }

        if (definition.Columns.Count == 0)
        {
            problems.Add($"{where}: 'columns' is empty; list the table columns to add");
        }

        var sources = new int[definition.Columns.Count];
        var fields = new ParquetField[definition.Columns.Count];
        for (var i = 0; i < definition.Columns.Count; i++)
        {
            var c = definition.Columns[i];
            sources[i] = -1;
            for (var t = 0; t < table.Columns.Count; t++)
            {
                if (string.Equals(table.Columns[t].Field.Name, c.Source, StringComparison.OrdinalIgnoreCase))
                {
                    sources[i] = t;
                }
            }

            if (sources[i] < 0)
            {
                problems.Add($"{where}: column '{c.Source}' was not loaded from {table.Source}");
                continue;
            }

            fields[i] = table.Columns[sources[i]].Field with { Name = c.Name };
        }

        if (problems.Count > 0)
        {
            throw new TransformDefinitionException(problems);
        }

        return new LookupTransform(definition, table, input, key, sources, fields);
    }

    /// <summary>The table columns and types a definition needs loaded.</summary>
    public static IReadOnlyList<(string Name, ExprType Type)> TableColumns(LookupDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var result = new List<(string, ExprType)>();
        foreach (var c in definition.Columns)
        {
            if (!ExprType.TryParse(c.Type, out var type))
            {
                throw new TransformDefinitionException(
                    $"{definition.Location}: lookup '{definition.Name}': column '{c.Source}' type '{c.Type}' is unknown; write string, int32, int64, double, decimal(p,s), date, timestamp or boolean");
            }

            result.Add((c.Source, type));
        }

        return result;
    }

    /// <inheritdoc />
    public void Apply(ColumnBatch batch, int rowCount, RowDisposition rows)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rows);
        var keys = batch[_key];
        var missing = 0;
        for (var r = 0; r < rowCount; r++)
        {
            var found = -1;
            if (!keys.IsNull(r))
            {
                found = _keyType switch
                {
                    ParquetType.String => _table.Find(Typing.ValueParser.Trim(((StringColumn)keys).GetBytes(r))),
                    ParquetType.Int64 => _integerKeys!.TryGetValue(((Int64Column)keys)[r], out var l) ? l : -1,
                    _ => _integerKeys!.TryGetValue(((Int32Column)keys)[r], out var i) ? i : -1,
                };
            }

            if (found < 0)
            {
                for (var c = 0; c < _sources.Length; c++)
                {
                    batch[_firstOutput + c].AppendNull();
                }

                if (_onMissing == RowAction.Reject)
                {
                    rows.Reject(r, _keyName, MissingReason(keys, r), RejectCode);
                }
                else if (rows.IsKept(r))
                {
                    missing++;
                }

                continue;
            }

            for (var c = 0; c < _sources.Length; c++)
            {
                BufferOps.AppendFrom(batch[_firstOutput + c], _table.Columns[_sources[c]], found);
            }
        }

        rows.Note(MissingNote, missing);
    }

    private string MissingReason(ColumnBuffer keys, int r)
    {
        if (keys.IsNull(r))
        {
            return $"{_keyName} is empty, so lookup '{_lookupName}' has no key";
        }

        var text = keys switch
        {
            StringColumn s => s.GetString(r),
            Int64Column l => l[r].ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => ((Int32Column)keys)[r].ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return $"{_keyName} '{text}' is not in {_table.Source} (lookup '{_lookupName}')";
    }
}
