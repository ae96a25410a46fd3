using System.Text;
using Etl.Parquet;

namespace Etl.Core.Enrichment.Expressions;

/// <summary>A column of the batch, returned as is.</summary>
internal sealed class ColumnEvaluator(ExprType type, int index) : Evaluator(type)
{
    public int Index { get; } = index;

    public override ColumnBuffer Evaluate(EvalContext context) => context.Batch[Index];
}

/// <summary>A literal, repeated for every row. The buffer is filled once and only grows.</summary>
internal sealed class ConstantEvaluator : Evaluator
{
    private readonly bool _isNull;
    private readonly long _long;
    private readonly Int128 _decimal;
    private readonly double _double;
    private readonly byte[] _utf8 = [];

    private ConstantEvaluator(ExprType type, bool isNull, long l = 0, Int128 d = default, double f = 0, byte[]? s = null)
        : base(type)
    {
        _isNull = isNull;
        _long = l;
        _decimal = d;
        _double = f;
        _utf8 = s ?? [];
    }

    public static ConstantEvaluator Null(ExprType type) => new(type, true);

    public static ConstantEvaluator Integer(ExprType type, long value) => new(type, false, l: value);

    public static ConstantEvaluator Decimal(ExprType type, Int128 unscaled) => new(type, false, d: unscaled);

    public static ConstantEvaluator Double(double value) => new(ExprType.Double, false, f: value);

    public static ConstantEvaluator String(string value) => new(ExprType.String, false, s: Encoding.UTF8.GetBytes(value));

    public bool IsNull => _isNull;

    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var buffer = RawResult;
        while (buffer.Count < context.RowCount)
        {
            if (_isNull)
            {
                buffer.AppendNull();
                continue;
            }

            switch (buffer)
            {
                case Int32Column i: i.Append((int)_long); break;
                case Int64Column l: l.Append(_long); break;
                case BooleanColumn b: b.Append(_long != 0); break;
                case DoubleColumn f: f.Append(_double); break;
                case DecimalColumn d: d.Append(_decimal); break;
                case StringColumn s: s.Append(_utf8.AsSpan()); break;
            }
        }

        return buffer;
    }
}

/// <summary>Converts a value to a wider type: int to bigint, integer or decimal to a decimal of larger scale or to double, date to timestamp.</summary>
internal sealed class CastEvaluator(Evaluator source, ExprType target) : Evaluator(target)
{
    private const long MicrosPerDay = 86_400_000_000L;

    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var input = source.Evaluate(context);
        var n = context.RowCount;
        var from = source.Type;
        switch (Type.Kind)
        {
            case ExprKind.Int64:
            {
                var r = Result<Int64Column>();
                var v = (Int32Column)input;
                for (var i = 0; i < n; i++)
                {
                    if (v.IsNull(i))
                    {
                        r.AppendNull();
                    }
                    else
                    {
                        r.Append((long)v[i]);
                    }
                }

                return r;
            }

            case ExprKind.Timestamp:
            {
                var r = Result<Int64Column>();
                var v = (Int32Column)input;
                for (var i = 0; i < n; i++)
                {
                    if (v.IsNull(i))
                    {
                        r.AppendNull();
                    }
                    else
                    {
                        r.Append(v[i] * MicrosPerDay);
                    }
                }

                return r;
            }

            case ExprKind.Double:
            {
                var r = Result<DoubleColumn>();
                for (var i = 0; i < n; i++)
                {
                    if (input.IsNull(i))
                    {
                        r.AppendNull();
                        continue;
                    }

                    r.Append(input switch
                    {
                        Int32Column a => a[i],
                        Int64Column a => a[i],
                        DecimalColumn a => DecimalMath.ToDouble(a[i], from.Scale),
                        _ => ((DoubleColumn)input)[i],
                    });
                }

                return r;
            }

            case ExprKind.Decimal:
            {
                var r = Result<DecimalColumn>();
                var fromScale = from.Kind == ExprKind.Decimal ? from.Scale : 0;
                for (var i = 0; i < n; i++)
                {
                    if (input.IsNull(i))
                    {
                        r.AppendNull();
                        continue;
                    }

                    Int128 value = input switch
                    {
                        Int32Column a => a[i],
                        Int64Column a => a[i],
                        _ => ((DecimalColumn)input)[i],
                    };
                    if (DecimalMath.TryRescale(value, fromScale, Type.Scale, out var scaled) && DecimalMath.FitsPrecision(scaled, Type.Precision))
                    {
                        r.Append(scaled);
                    }
                    else
                    {
                        context.Error(i, $"decimal overflow: {DecimalText(value, fromScale)} does not fit {Type}");
                        r.AppendNull();
                    }
                }

                return r;
            }

            default:
                throw new InvalidOperationException($"No conversion from {from} to {Type}.");
        }
    }

    private static string DecimalText(Int128 unscaled, int scale) => Etl.Core.Typing.DecimalText.Format(unscaled, scale);
}
