using Etl.Parquet;

namespace Etl.Core.Enrichment.Expressions;

/// <summary>
/// A compiled expression node. <see cref="Evaluate"/> computes the node for the first <see cref="EvalContext.RowCount"/>
/// rows of the batch at once and returns a buffer holding them: an input column of the batch itself, or a scratch buffer
/// the node owns and reuses for every batch.
/// </summary>
internal abstract class Evaluator
{
    private ColumnBuffer? _result;

    protected Evaluator(ExprType type) => Type = type;

    public ExprType Type { get; }

    public abstract ColumnBuffer Evaluate(EvalContext context);

    /// <summary>The node's scratch buffer, emptied.</summary>
    protected T Result<T>()
        where T : ColumnBuffer
    {
        _result ??= ColumnBuffer.Create(Type.ToField("_"), 1024);
        _result.Clear();
        return (T)_result;
    }

    /// <summary>The node's scratch buffer, not emptied (for constants that fill it once).</summary>
    protected ColumnBuffer RawResult => _result ??= ColumnBuffer.Create(Type.ToField("_"), 1024);
}

/// <summary>State of one evaluation: the batch, its row count, and where row errors go.</summary>
internal sealed class EvalContext
{
    public ColumnBatch Batch { get; private set; } = null!;

    public int RowCount { get; private set; }

    public RowDisposition Rows { get; private set; } = null!;

    /// <summary>The derived column being computed (named in rejects).</summary>
    public string Column { get; }

    /// <summary>The expression text (named in rejects).</summary>
    public string Expression { get; }

    /// <summary>
    /// Rows whose errors count (null: all). A <c>case</c> or <c>coalesce</c> evaluates every branch for every row and
    /// narrows this while it does, so an overflow in a branch a row does not take does not reject that row.
    /// </summary>
    public bool[]? Active { get; set; }

    public EvalContext(string column, string expression)
    {
        Column = column;
        Expression = expression;
    }

    public void Start(ColumnBatch batch, int rowCount, RowDisposition rows)
    {
        Batch = batch;
        RowCount = rowCount;
        Rows = rows;
        Active = null;
    }

    /// <summary>Rejects <paramref name="row"/> because of <paramref name="problem"/>, unless the row is inactive.</summary>
    public void Error(int row, string problem)
    {
        if (Active is null || Active[row])
        {
            Rows.Reject(row, Column, $"{problem} computing {Column} = {Expression}");
        }
    }
}
