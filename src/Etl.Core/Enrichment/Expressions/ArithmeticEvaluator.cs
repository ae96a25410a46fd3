using Etl.Parquet;

namespace Etl.Core.Enrichment.Expressions;

/// <summary>
/// <c>+ - * / %</c> over two operands already converted to the operation's kind: bigint (checked), double, or decimal
/// (exact; the result type follows <see cref="DecimalRules"/>). Division by zero gives null. Overflow rejects the row.
/// </summary>
internal sealed class ArithmeticEvaluator(char op, Evaluator left, Evaluator right, ExprType type) : Evaluator(type)
{
    public override ColumnBuffer Evaluate(EvalContext context) => Type.Kind switch
    {
        ExprKind.Int64 => EvaluateInt64(context),
        ExprKind.Double => EvaluateDouble(context),
        ExprKind.Decimal => EvaluateDecimal(context),
        _ => throw new InvalidOperationException($"Arithmetic on {Type}."),
    };

    private Int64Column EvaluateInt64(EvalContext context)
    {
        var a = (Int64Column)left.Evaluate(context);
        var b = (Int64Column)right.Evaluate(context);
        var r = Result<Int64Column>();
        var av = a.Values;
        var bv = b.Values;
        var n = context.RowCount;
        for (var i = 0; i < n; i++)
        {
            if (a.IsNull(i) || b.IsNull(i))
            {
                r.AppendNull();
                continue;
            }

            long x = av[i], y = bv[i], z;
            switch (op)
            {
                case '+':
                    z = x + y;
                    // Overflow when both operands have the same sign and the result's sign differs.
                    if (((x ^ z) & (y ^ z)) < 0)
                    {
                        goto overflow;
                    }

                    break;
                case '-':
                    z = x - y;
                    if (((x ^ y) & (x ^ z)) < 0)
                    {
                        goto overflow;
                    }

                    break;
                case '*':
                    z = x * y;
                    if (Math.BigMul(x, y, out var low) != (low >> 63) || low != z)
                    {
                        goto overflow;
                    }

                    break;
                default:
                    if (y == 0)
                    {
                        r.AppendNull();
                        continue;
                    }

                    if (y == -1)
                    {
                        // long.MinValue % -1 throws in .NET; the remainder of any x by -1 is 0.
                        r.Append(0);
                        continue;
                    }

                    z = x % y;
                    break;
            }

            r.Append(z);
            continue;
        overflow:
            context.Error(i, $"integer overflow: {x} {op} {y}");
            r.AppendNull();
        }

        return r;
    }

    private DoubleColumn EvaluateDouble(EvalContext context)
    {
        var a = (DoubleColumn)left.Evaluate(context);
        var b = (DoubleColumn)right.Evaluate(context);
        var r = Result<DoubleColumn>();
        var av = a.Values;
        var bv = b.Values;
        var n = context.RowCount;
        for (var i = 0; i < n; i++)
        {
            if (a.IsNull(i) || b.IsNull(i) || (op is '/' or '%' && bv[i] == 0))
            {
                r.AppendNull();
                continue;
            }

            r.Append(op switch
            {
                '+' => av[i] + bv[i],
                '-' => av[i] - bv[i],
                '*' => av[i] * bv[i],
                '/' => av[i] / bv[i],
                _ => Math.IEEERemainder(av[i], bv[i]),
            });
        }

        return r;
    }

    private DecimalColumn EvaluateDecimal(EvalContext context)
    {
        var a = (DecimalColumn)left.Evaluate(context);
        var b = (DecimalColumn)right.Evaluate(context);
        var r = Result<DecimalColumn>();
        var av = a.Values;
        var bv = b.Values;
        var n = context.RowCount;
        int sa = left.Type.Scale, sb = right.Type.Scale, s = Type.Scale, p = Type.Precision;
        for (var i = 0; i < n; i++)
        {
            if (a.IsNull(i) || b.IsNull(i))
            {
                r.AppendNull();
                continue;
            }

            Int128 x = av[i], y = bv[i], z;
            var ok = true;
            switch (op)
            {
                // For + and - the compiler has brought both operands to the result scale.
                case '+':
                    ok = DecimalMath.TryAdd(x, y, out z);
                    break;
                case '-':
                    ok = DecimalMath.TryAdd(x, -y, out z);
                    break;
                case '*':
                    ok = DecimalMath.TryMultiply(x, y, out z) && DecimalMath.TryRescale(z, sa + sb, s, out z);
                    break;
                default:
                    if (y == 0)
                    {
                        r.AppendNull();
                        continue;
                    }

                    // x/10^sa / (y/10^sb) at scale s = x * 10^(s - sa + sb) / y.
                    var shift = s - sa + sb;
                    if (shift >= 0)
                    {
                        ok = DecimalMath.TryMultiply(x, DecimalMath.Pow10(shift), out z);
                        z = ok ? DecimalMath.DivideRounded(z, y) : default;
                    }
                    else
                    {
                        z = DecimalMath.DivideRounded(x, y * DecimalMath.Pow10(-shift));
                    }

                    break;
            }

            if (ok && DecimalMath.FitsPrecision(z, p))
            {
                r.Append(z);
            }
            else
            {
                context.Error(i, $"decimal overflow: {Typing.DecimalText.Format(x, op is '+' or '-' ? s : sa)} {op} {Typing.DecimalText.Format(y, op is '+' or '-' ? s : sb)} does not fit {Type}");
                r.AppendNull();
            }
        }

        return r;
    }
}

/// <summary>Unary minus.</summary>
internal sealed class NegateEvaluator(Evaluator operand) : Evaluator(operand.Type)
{
    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var input = operand.Evaluate(context);
        var n = context.RowCount;
        switch (Type.Kind)
        {
            case ExprKind.Int32:
            {
                var v = (Int32Column)input;
                var r = Result<Int32Column>();
                for (var i = 0; i < n; i++)
                {
                    if (v.IsNull(i) || v[i] == int.MinValue)
                    {
                        if (!v.IsNull(i))
                        {
                            context.Error(i, "integer overflow negating " + v[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
                        }

                        r.AppendNull();
                    }
                    else
                    {
                        r.Append(-v[i]);
                    }
                }

                return r;
            }

            case ExprKind.Int64:
            {
                var v = (Int64Column)input;
                var r = Result<Int64Column>();
                for (var i = 0; i < n; i++)
                {
                    if (v.IsNull(i) || v[i] == long.MinValue)
                    {
                        if (!v.IsNull(i))
                        {
                            context.Error(i, "integer overflow negating " + v[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
                        }

                        r.AppendNull();
                    }
                    else
                    {
                        r.Append(-v[i]);
                    }
                }

                return r;
            }

            case ExprKind.Double:
            {
                var v = (DoubleColumn)input;
                var r = Result<DoubleColumn>();
                for (var i = 0; i < n; i++)
                {
                    if (v.IsNull(i))
                    {
                        r.AppendNull();
                    }
                    else
                    {
                        r.Append(-v[i]);
                    }
                }

                return r;
            }

            default:
            {
                var v = (DecimalColumn)input;
                var r = Result<DecimalColumn>();
                for (var i = 0; i < n; i++)
                {
                    if (v.IsNull(i))
                    {
                        r.AppendNull();
                    }
                    else
                    {
                        r.Append(-v[i]);
                    }
                }

                return r;
            }
        }
    }
}
