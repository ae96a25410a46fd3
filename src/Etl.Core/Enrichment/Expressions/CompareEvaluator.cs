using Etl.Parquet;

namespace Etl.Core.Enrichment.Expressions;

/// <summary>
/// <c>= &lt;&gt; &lt; &lt;= &gt; &gt;=</c> over two operands of one kind (decimals may differ in scale; they are compared
/// exactly). Null on either side gives null. Strings compare by UTF-8 bytes (ordinal).
/// </summary>
internal sealed class CompareEvaluator(string op, Evaluator left, Evaluator right) : Evaluator(ExprType.Boolean)
{
    private readonly int _op = op switch
    {
        "=" => 0,
        "<>" => 1,
        "<" => 2,
        "<=" => 3,
        ">" => 4,
        _ => 5,
    };

    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var a = left.Evaluate(context);
        var b = right.Evaluate(context);
        var r = Result<BooleanColumn>();
        var n = context.RowCount;
        switch (a)
        {
            case Int32Column x: Loop(x, (Int32Column)b, r, n); break;
            case Int64Column x: Loop(x, (Int64Column)b, r, n); break;
            case DoubleColumn x: Loop(x, (DoubleColumn)b, r, n); break;
            case BooleanColumn x: Loop(x, (BooleanColumn)b, r, n); break;
            case DecimalColumn x:
            {
                var y = (DecimalColumn)b;
                int sa = left.Type.Scale, sb = right.Type.Scale;
                for (var i = 0; i < n; i++)
                {
                    if (x.IsNull(i) || y.IsNull(i))
                    {
                        r.AppendNull();
                    }
                    else
                    {
                        r.Append(Test(DecimalMath.Compare(x[i], sa, y[i], sb)));
                    }
                }

                break;
            }

            case StringColumn x:
            {
                var y = (StringColumn)b;
                for (var i = 0; i < n; i++)
                {
                    if (x.IsNull(i) || y.IsNull(i))
                    {
                        r.AppendNull();
                    }
                    else
                    {
                        r.Append(Test(x.GetBytes(i).SequenceCompareTo(y.GetBytes(i))));
                    }
                }

                break;
            }
        }

        return r;
    }

    private void Loop<T>(PrimitiveColumn<T> x, PrimitiveColumn<T> y, BooleanColumn r, int n)
        where T : unmanaged, IComparable<T>
    {
        var xv = x.Values;
        var yv = y.Values;
        for (var i = 0; i < n; i++)
        {
            if (x.IsNull(i) || y.IsNull(i))
            {
                r.AppendNull();
            }
            else
            {
                r.Append(Test(xv[i].CompareTo(yv[i])));
            }
        }
    }

    private bool Test(int c) => _op switch
    {
        0 => c == 0,
        1 => c != 0,
        2 => c < 0,
        3 => c <= 0,
        4 => c > 0,
        _ => c >= 0,
    };
}
