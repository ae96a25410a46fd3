using Etl.Parquet;

namespace Etl.Core.Enrichment;

/// <summary>
/// One step of a dataset's transform chain, bound to the schema it sees. It works in place on the engine's batch: it reads
/// any column, may rewrite values of existing columns, appends exactly one value per row to each of its
/// <see cref="AddedFields"/> (which sit at the end of the batch, right after the columns the step sees), and decides per
/// row through <see cref="RowDisposition"/> (keep, filter with a name, reject with a column and a reason).
/// </summary>
public interface IBatchTransform
{
    /// <summary>A short description for messages, e.g. <c>derive revenue</c>.</summary>
    string Name { get; }

    /// <summary>Columns this step adds, in order (may be empty).</summary>
    IReadOnlyList<ParquetField> AddedFields { get; }

    /// <summary>Processes the first <paramref name="rowCount"/> rows of <paramref name="batch"/>.</summary>
    void Apply(ColumnBatch batch, int rowCount, RowDisposition rows);
}
