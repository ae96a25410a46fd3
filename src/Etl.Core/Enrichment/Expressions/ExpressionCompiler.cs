using System.Globalization;
using Etl.Parquet;

namespace Etl.Core.Enrichment.Expressions;

/// <summary>
/// Type-checks a parsed expression against a schema and builds its tree of batch evaluators. Every error carries the
/// position of the node it is about.
/// </summary>
internal sealed class ExpressionCompiler(ParquetSchema schema)
{
    private static readonly DateOnly s_epoch = new(1970, 1, 1);

    public Evaluator Compile(Syntax node) => node switch
    {
        LiteralSyntax l => Literal(l),
        ColumnSyntax c => Column(c),
        UnarySyntax u => Unary(u),
        BinarySyntax b => Binary(b),
        IsNullSyntax n => new IsNullEvaluator(Compile(n.Operand), n.Negated),
        CallSyntax c => Call(c),
        CaseSyntax c => Case(c),
        _ => throw new ExpressionSyntaxException(node.Position, "unsupported expression"),
    };

    /// <summary>Converts <paramref name="e"/> to <paramref name="target"/> (widening, or rounding a decimal to a smaller scale).</summary>
    public static Evaluator Convert(Evaluator e, ExprType target)
    {
        if (e.Type == target)
        {
            return e;
        }

        if (e is ConstantEvaluator { IsNull: true })
        {
            return ConstantEvaluator.Null(target);
        }

        return new CastEvaluator(e, target);
    }

    /// <summary>Whether a value of <paramref name="from"/> can be converted to <paramref name="to"/> by <see cref="Convert"/>.</summary>
    public static bool CanConvert(ExprType from, ExprType to) =>
        from == to
        || from.Kind == ExprKind.Null
        || (from.Kind == ExprKind.Int32 && to.Kind == ExprKind.Int64)
        || (from.IsNumeric && to.Kind == ExprKind.Double)
        || ((from.IsInteger || from.Kind == ExprKind.Decimal) && to.Kind == ExprKind.Decimal)
        || (from.Kind == ExprKind.Date && to.Kind == ExprKind.Timestamp);

    /// <summary>The type both operands convert to (null when there is none).</summary>
    public static ExprType? Common(ExprType a, ExprType b)
    {
        if (a == b || b.Kind == ExprKind.Null)
        {
            return a;
        }

        if (a.Kind == ExprKind.Null)
        {
            return b;
        }

        if (a.IsNumeric && b.IsNumeric)
        {
            if (a.Kind == ExprKind.Double || b.Kind == ExprKind.Double)
            {
                return ExprType.Double;
            }

            if (a.IsInteger && b.IsInteger)
            {
                return ExprType.Int64;
            }

            var da = DecimalRules.AsDecimal(a);
            var db = DecimalRules.AsDecimal(b);
            var s = Math.Max(da.Scale, db.Scale);
            var p = Math.Min(DecimalMath.MaxPrecision, Math.Max(da.Precision - da.Scale, db.Precision - db.Scale) + s);
            return ExprType.Decimal(p, Math.Min(s, p));
        }

        if ((a.Kind, b.Kind) is (ExprKind.Date, ExprKind.Timestamp) or (ExprKind.Timestamp, ExprKind.Date))
        {
            return ExprType.Timestamp;
        }

        return null;
    }

    private static Evaluator Literal(LiteralSyntax l)
    {
        switch (l.Kind)
        {
            case ExprKind.Null:
                return ConstantEvaluator.Null(ExprType.Null);
            case ExprKind.Boolean:
                return ConstantEvaluator.Integer(ExprType.Boolean, l.Text == "true" ? 1 : 0);
            case ExprKind.String:
                return ConstantEvaluator.String(l.Text);
            case ExprKind.Int64:
                if (!long.TryParse(l.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                {
                    // Too long for bigint: treat it as a decimal literal.
                    return DecimalLiteral(l);
                }

                return v is >= int.MinValue and <= int.MaxValue
                    ? ConstantEvaluator.Integer(ExprType.Int32, v)
                    : ConstantEvaluator.Integer(ExprType.Int64, v);
            case ExprKind.Decimal:
                return DecimalLiteral(l);
            case ExprKind.Date:
                if (!DateOnly.TryParseExact(l.Text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                {
                    throw new ExpressionSyntaxException(l.Position, $"date '{l.Text}' is not a date; write date 'yyyy-MM-dd', e.g. date '2024-01-31'");
                }

                return ConstantEvaluator.Integer(ExprType.Date, d.DayNumber - s_epoch.DayNumber);
            default:
                if (!DateTime.TryParseExact(l.Text, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFF", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
                {
                    throw new ExpressionSyntaxException(l.Position, $"timestamp '{l.Text}' is not a timestamp; write timestamp 'yyyy-MM-dd HH:mm:ss'");
                }

                return ConstantEvaluator.Integer(ExprType.Timestamp, (t - DateTime.UnixEpoch).Ticks / 10);
        }
    }

    private static ConstantEvaluator DecimalLiteral(LiteralSyntax l)
    {
        var text = l.Text;
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        var dot = digits.IndexOf('.', StringComparison.Ordinal);
        var scale = dot < 0 ? 0 : digits.Length - dot - 1;
        var all = dot < 0 ? digits : digits.Remove(dot, 1);
        var trimmed = all.TrimStart('0');
        var precision = Math.Max(Math.Max(trimmed.Length, scale), 1);
        if (precision > DecimalMath.MaxPrecision || !Int128.TryParse(all, NumberStyles.None, CultureInfo.InvariantCulture, out var unscaled))
        {
            throw new ExpressionSyntaxException(l.Position, $"number {text} has more than 38 digits");
        }

        return ConstantEvaluator.Decimal(ExprType.Decimal(precision, scale), negative ? -unscaled : unscaled);
    }

    private ColumnEvaluator Column(ColumnSyntax c)
    {
        var index = schema.IndexOf(c.Name);
        if (index < 0)
        {
            // Column names in definitions are case-insensitive.
            for (var i = 0; i < schema.Fields.Count; i++)
            {
                if (string.Equals(schema.Fields[i].Name, c.Name, StringComparison.OrdinalIgnoreCase))
                {
                    index = i;
                    break;
                }
            }
        }

        if (index < 0)
        {
            throw new ExpressionSyntaxException(c.Position, $"unknown column '{c.Name}'; columns here are: {string.Join(", ", schema.Fields.Select(f => f.Name))}");
        }

        return new ColumnEvaluator(ExprType.FromField(schema.Fields[index]), index);
    }

    private Evaluator Unary(UnarySyntax u)
    {
        var operand = Compile(u.Operand);
        if (u.Operator == "not")
        {
            return new NotEvaluator(Expect(operand, ExprType.Boolean, u.Operand.Position, "'not'"));
        }

        if (operand.Type.Kind == ExprKind.Null)
        {
            return operand;
        }

        if (!operand.Type.IsNumeric)
        {
            throw new ExpressionSyntaxException(u.Position, $"'-' needs a number but the operand is {operand.Type}");
        }

        return new NegateEvaluator(operand);
    }

    private Evaluator Binary(BinarySyntax b)
    {
        var left = Compile(b.Left);
        var right = Compile(b.Right);
        switch (b.Operator)
        {
            case "and" or "or":
                return new LogicEvaluator(
                    b.Operator == "and",
                    Expect(left, ExprType.Boolean, b.Left.Position, $"'{b.Operator}'"),
                    Expect(right, ExprType.Boolean, b.Right.Position, $"'{b.Operator}'"));
            case "=" or "<>" or "<" or "<=" or ">" or ">=":
                return Comparison(b, left, right);
            default:
                return Arithmetic(b, left, right);
        }
    }

    private static Evaluator Comparison(BinarySyntax b, Evaluator left, Evaluator right)
    {
        if (left.Type.Kind == ExprKind.Null || right.Type.Kind == ExprKind.Null)
        {
            // x = null is null for every row (use 'is null' to test for null).
            return ConstantEvaluator.Null(ExprType.Boolean);
        }

        if (left.Type.Kind == ExprKind.Decimal || right.Type.Kind == ExprKind.Decimal)
        {
            if (left.Type.IsNumeric && right.Type.IsNumeric && left.Type.Kind != ExprKind.Double && right.Type.Kind != ExprKind.Double)
            {
                // Decimals of different scales are compared exactly without converting.
                return new CompareEvaluator(b.Operator, Convert(left, DecimalRules.AsDecimal(left.Type)), Convert(right, DecimalRules.AsDecimal(right.Type)));
            }
        }

        var common = Common(left.Type, right.Type)
            ?? throw new ExpressionSyntaxException(b.Position, $"cannot compare {left.Type} with {right.Type}; both sides of '{b.Operator}' must be numbers, strings, dates or booleans");
        return new CompareEvaluator(b.Operator, Convert(left, common), Convert(right, common));
    }

    private static Evaluator Arithmetic(BinarySyntax b, Evaluator left, Evaluator right)
    {
        var op = b.Operator[0];
        if (left.Type.Kind == ExprKind.Null || right.Type.Kind == ExprKind.Null)
        {
            var other = left.Type.Kind == ExprKind.Null ? right.Type : left.Type;
            return ConstantEvaluator.Null(other.Kind == ExprKind.Null ? ExprType.Null : other);
        }

        if (!left.Type.IsNumeric || !right.Type.IsNumeric)
        {
            var bad = left.Type.IsNumeric ? b.Right : b.Left;
            var badType = left.Type.IsNumeric ? right.Type : left.Type;
            throw new ExpressionSyntaxException(bad.Position, $"'{b.Operator}' needs numbers but this operand is {badType}"
                + (badType.Kind == ExprKind.String && op == '+' ? "; join text with concat(a, b)" : ""));
        }

        if (left.Type.Kind == ExprKind.Double || right.Type.Kind == ExprKind.Double)
        {
            return new ArithmeticEvaluator(op, Convert(left, ExprType.Double), Convert(right, ExprType.Double), ExprType.Double);
        }

        if (left.Type.IsInteger && right.Type.IsInteger && op != '/')
        {
            return new ArithmeticEvaluator(op, Convert(left, ExprType.Int64), Convert(right, ExprType.Int64), ExprType.Int64);
        }

        if (op == '%')
        {
            throw new ExpressionSyntaxException(b.Position, $"'%' needs integers but the operands are {left.Type} and {right.Type}");
        }

        var l = DecimalRules.AsDecimal(left.Type);
        var r = DecimalRules.AsDecimal(right.Type);
        switch (op)
        {
            case '+' or '-':
                var sum = DecimalRules.Add(l, r);
                // Both operands at the result scale, held at full precision until the result's precision check.
                var operand = ExprType.Decimal(DecimalMath.MaxPrecision, sum.Scale);
                return new ArithmeticEvaluator(op, Convert(left, operand), Convert(right, operand), sum);
            case '*':
                return new ArithmeticEvaluator(op, Convert(left, l), Convert(right, r), DecimalRules.Multiply(l, r));
            default:
                return new ArithmeticEvaluator(op, Convert(left, l), Convert(right, r), DecimalRules.Divide(l, r));
        }
    }

    private Evaluator Call(CallSyntax c)
    {
        var args = new List<Evaluator>(c.Arguments.Count);
        foreach (var a in c.Arguments)
        {
            args.Add(Compile(a));
        }

        switch (c.Name)
        {
            case "year" or "month" or "day":
                Arity(c, 1, 1);
                var t = args[0].Type.Kind;
                if (t == ExprKind.Null)
                {
                    return ConstantEvaluator.Null(ExprType.Int32);
                }

                if (t is not (ExprKind.Date or ExprKind.Timestamp))
                {
                    throw new ExpressionSyntaxException(c.Arguments[0].Position, $"{c.Name}() needs a date or timestamp but the argument is {args[0].Type}");
                }

                return new DatePartEvaluator(c.Name[0], args[0]);
            case "upper" or "lower" or "trim":
                Arity(c, 1, 1);
                return new StringFunctionEvaluator(c.Name, Expect(args[0], ExprType.String, c.Arguments[0].Position, $"{c.Name}()"));
            case "concat":
                Arity(c, 1, int.MaxValue);
                for (var i = 0; i < args.Count; i++)
                {
                    if (args[i].Type.Kind == ExprKind.Null)
                    {
                        args[i] = ConstantEvaluator.Null(ExprType.String);
                    }
                }

                return new ConcatEvaluator(args);
            case "coalesce":
                Arity(c, 1, int.MaxValue);
                var type = Unify(args, c.Arguments, "coalesce()");
                for (var i = 0; i < args.Count; i++)
                {
                    args[i] = Convert(args[i], type);
                }

                return new CoalesceEvaluator(args, type);
            default:
                throw new ExpressionSyntaxException(c.Position, $"unknown function '{c.Name}'; functions are year, month, day, upper, lower, trim, concat, coalesce");
        }
    }

    private Evaluator Case(CaseSyntax c)
    {
        var branches = new List<(Evaluator, Evaluator)>();
        var values = new List<Evaluator>();
        var nodes = new List<Syntax>();
        foreach (var (when, then) in c.Branches)
        {
            var w = Expect(Compile(when), ExprType.Boolean, when.Position, "'when'");
            branches.Add((w, null!));
            values.Add(Compile(then));
            nodes.Add(then);
        }

        if (c.Else is not null)
        {
            values.Add(Compile(c.Else));
            nodes.Add(c.Else);
        }

        var type = Unify(values, nodes, "the branches of 'case'");
        for (var i = 0; i < branches.Count; i++)
        {
            branches[i] = (branches[i].Item1, Convert(values[i], type));
        }

        var otherwise = c.Else is null ? null : Convert(values[^1], type);
        return new CaseEvaluator(branches, otherwise, type);
    }

    private static ExprType Unify(List<Evaluator> values, IReadOnlyList<Syntax> nodes, string what)
    {
        var type = ExprType.Null;
        for (var i = 0; i < values.Count; i++)
        {
            type = Common(type, values[i].Type)
                ?? throw new ExpressionSyntaxException(nodes[i].Position, $"{what} mix {type} and {values[i].Type}; all values must have one type");
        }

        if (type.Kind == ExprKind.Null)
        {
            throw new ExpressionSyntaxException(nodes[0].Position, $"{what} are all null, so the result has no type");
        }

        return type;
    }

    private static Evaluator Expect(Evaluator e, ExprType type, int position, string what)
    {
        if (e.Type.Kind == ExprKind.Null)
        {
            return ConstantEvaluator.Null(type);
        }

        if (e.Type != type)
        {
            throw new ExpressionSyntaxException(position, $"{what} needs {type} but this is {e.Type}");
        }

        return e;
    }

    private static void Arity(CallSyntax c, int min, int max)
    {
        if (c.Arguments.Count < min || c.Arguments.Count > max)
        {
            var expected = min == max ? $"{min}" : max == int.MaxValue ? $"at least {min}" : $"{min} to {max}";
            throw new ExpressionSyntaxException(c.Position, $"{c.Name}() takes {expected} argument(s) but has {c.Arguments.Count}");
        }
    }
}
