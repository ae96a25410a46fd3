namespace Etl.Parquet;

/// <summary>A flat schema: an ordered list of uniquely named columns.</summary>
public sealed class ParquetSchema
{
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates a schema; names must be unique and non-empty.</summary>
    public ParquetSchema(IEnumerable<ParquetField> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Fields = [.. fields];
        _index = new Dictionary<string, int>(Fields.Count, StringComparer.Ordinal);
        for (var i = 0; i < Fields.Count; i++)
        {
            var name = Fields[i].Name;
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException($"Column {i} has an empty name.", nameof(fields));
            }

            if (!_index.TryAdd(name, i))
            {
                throw new ArgumentException($"Column name '{name}' appears more than once.", nameof(fields));
            }
        }
    }

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<ParquetField> Fields { get; }

    /// <summary>Index of a column by exact name, or -1.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;
}
