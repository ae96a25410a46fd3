namespace Etl.Parquet;

/// <summary>A batch of rows held column by column: one <see cref="ColumnBuffer"/> per schema field.</summary>
public sealed class ColumnBatch
{
    private readonly ColumnBuffer[] _columns;

    /// <summary>Creates empty buffers for every field of <paramref name="schema"/>.</summary>
    public ColumnBatch(ParquetSchema schema, int capacity = 8192)
    {
        Schema = schema ?? throw new ArgumentNullException(nameof(schema));
        _columns = new ColumnBuffer[schema.Fields.Count];
        for (var i = 0; i < _columns.Length; i++)
        {
            _columns[i] = ColumnBuffer.Create(schema.Fields[i], capacity);
        }
    }

    /// <summary>The schema.</summary>
    public ParquetSchema Schema { get; }

    /// <summary>The column buffers, in schema order.</summary>
    public IReadOnlyList<ColumnBuffer> Columns => _columns;

    /// <summary>Column <paramref name="index"/>.</summary>
    public ColumnBuffer this[int index] => _columns[index];

    /// <summary>Rows in the batch. Throws when the columns disagree (a row half appended).</summary>
    public int RowCount
    {
        get
        {
            if (_columns.Length == 0)
            {
                return 0;
            }

            var n = _columns[0].Count;
            for (var i = 1; i < _columns.Length; i++)
            {
                if (_columns[i].Count != n)
                {
                    throw new InvalidOperationException(
                        $"Column '{_columns[i].Field.Name}' has {_columns[i].Count} rows but '{_columns[0].Field.Name}' has {n}.");
                }
            }

            return n;
        }
    }

    /// <summary>The buffer of column <paramref name="index"/> as its concrete type.</summary>
    public T Column<T>(int index)
        where T : ColumnBuffer => (T)_columns[index];

    /// <summary>Empties every column, keeping capacity.</summary>
    public void Clear()
    {
        foreach (var c in _columns)
        {
            c.Clear();
        }
    }
}
