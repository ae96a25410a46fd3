using Etl.Parquet;

namespace Etl.Core.Enrichment;

/// <summary>
/// The ordered transforms of one dataset, between typing and partitioning. The engine creates its batch with
/// <see cref="OutputSchema"/> (the typed columns first, then every added column), types rows into the first
/// <see cref="InputSchema"/> columns, calls <see cref="Apply"/>, and then writes only the kept rows.
/// </summary>
public sealed class TransformChain
{
    private readonly IBatchTransform[] _steps;

    /// <summary>Chains <paramref name="steps"/>; each step must have been bound to the schema its predecessors produce.</summary>
    public TransformChain(ParquetSchema inputSchema, IEnumerable<IBatchTransform> steps)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(steps);
        InputSchema = inputSchema;
        _steps = [.. steps];
        var fields = new List<ParquetField>(inputSchema.Fields);
        foreach (var step in _steps)
        {
            fields.AddRange(step.AddedFields);
        }

        try
        {
            OutputSchema = new ParquetSchema(fields);
        }
        catch (ArgumentException ex)
        {
            throw new TransformDefinitionException([ex.Message + " Give each added column a name no other column has."], ex);
        }
    }

    /// <summary>An empty chain: output = input.</summary>
    public static TransformChain Empty(ParquetSchema inputSchema) => new(inputSchema, []);

    /// <summary>The schema the typing step produces.</summary>
    public ParquetSchema InputSchema { get; }

    /// <summary>The schema after every step.</summary>
    public ParquetSchema OutputSchema { get; }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<IBatchTransform> Steps => _steps;

    /// <summary>
    /// Reject code to content hash of the reference table behind it, for every step whose rejects depend on reference
    /// data. A file that had rejects with a code whose hash has changed since should be processed again.
    /// </summary>
    public IReadOnlyDictionary<string, string> ReferenceVersions
    {
        get
        {
            var versions = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var step in _steps)
            {
                if (step is IReferenceDataTransform r)
                {
                    versions[r.RejectCode] = r.ReferenceHash;
                }
            }

            return versions;
        }
    }

    /// <summary>Tells file-scoped steps which file comes next (its glob captures, e.g. partner).</summary>
    public void BeginFile(IReadOnlyDictionary<string, string> captures)
    {
        ArgumentNullException.ThrowIfNull(captures);
        foreach (var step in _steps)
        {
            if (step is IFileScopedTransform f)
            {
                f.BeginFile(captures);
            }
        }
    }

    /// <summary>
    /// Runs every step over <paramref name="batch"/> (whose schema is <see cref="OutputSchema"/> and whose input columns
    /// hold the typed rows) and records each row's fate in <paramref name="rows"/>, which is reset first.
    /// </summary>
    public void Apply(ColumnBatch batch, RowDisposition rows)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(rows);
        if (!ReferenceEquals(batch.Schema, OutputSchema) && batch.Columns.Count != OutputSchema.Fields.Count)
        {
            throw new ArgumentException($"The batch has {batch.Columns.Count} columns; the transform chain needs {OutputSchema.Fields.Count}.", nameof(batch));
        }

        var rowCount = InputSchema.Fields.Count == 0 ? 0 : batch[0].Count;
        rows.Reset(rowCount);
        var column = InputSchema.Fields.Count;
        foreach (var step in _steps)
        {
            step.Apply(batch, rowCount, rows);
            for (var i = 0; i < step.AddedFields.Count; i++, column++)
            {
                if (batch[column].Count != rowCount)
                {
                    throw new InvalidOperationException(
                        $"Transform '{step.Name}' left column '{batch[column].Field.Name}' with {batch[column].Count} rows instead of {rowCount}.");
                }
            }
        }
    }
}
