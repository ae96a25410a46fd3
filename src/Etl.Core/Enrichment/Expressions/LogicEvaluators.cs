using Etl.Parquet;

namespace Etl.Core.Enrichment.Expressions;

/// <summary>
/// <c>and</c> / <c>or</c> with SQL's three-valued logic: false and null = false, true or null = true, otherwise null
/// wins over the other value.
/// </summary>
internal sealed class LogicEvaluator(bool isAnd, Evaluator left, Evaluator right) : Evaluator(ExprType.Boolean)
{
    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var a = (BooleanColumn)left.Evaluate(context);
        var b = (BooleanColumn)right.Evaluate(context);
        var r = Result<BooleanColumn>();
        var av = a.Values;
        var bv = b.Values;
        for (var i = 0; i < context.RowCount; i++)
        {
            var an = a.IsNull(i);
            var bn = b.IsNull(i);
            if (!an && !bn)
            {
                r.Append(isAnd ? av[i] && bv[i] : av[i] || bv[i]);
            }
            else if ((!an && av[i] != isAnd) || (!bn && bv[i] != isAnd))
            {
                // A decisive operand: false for and, true for or.
                r.Append(!isAnd);
            }
            else
            {
                r.AppendNull();
            }
        }

        return r;
    }
}

/// <summary><c>not x</c>; not null is null.</summary>
internal sealed class NotEvaluator(Evaluator operand) : Evaluator(ExprType.Boolean)
{
    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var a = (BooleanColumn)operand.Evaluate(context);
        var r = Result<BooleanColumn>();
        var av = a.Values;
        for (var i = 0; i < context.RowCount; i++)
        {
            if (a.IsNull(i))
            {
                r.AppendNull();
            }
            else
            {
                r.Append(!av[i]);
            }
        }

        return r;
    }
}

/// <summary><c>x is null</c> / <c>x is not null</c>; never null.</summary>
internal sealed class IsNullEvaluator(Evaluator operand, bool negated) : Evaluator(ExprType.Boolean)
{
    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var a = operand.Evaluate(context);
        var r = Result<BooleanColumn>();
        for (var i = 0; i < context.RowCount; i++)
        {
            r.Append(a.IsNull(i) != negated);
        }

        return r;
    }
}
