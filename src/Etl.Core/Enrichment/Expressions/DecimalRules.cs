namespace Etl.Core.Enrichment.Expressions;

/// <summary>
/// Result types of decimal arithmetic (p = precision, s = scale), as in SQL Server and Spark:
/// <list type="bullet">
/// <item><c>a + b</c>, <c>a - b</c>: s = max(s1, s2), p = max(p1 - s1, p2 - s2) + s + 1.</item>
/// <item><c>a * b</c>: s = s1 + s2, p = p1 + p2 + 1.</item>
/// <item><c>a / b</c>: s = max(6, s1 + p2 + 1), p = p1 - s1 + s2 + s.</item>
/// </list>
/// When p exceeds 38 it is capped at 38 and the scale shrinks by the excess, but never below min(s, 6); a value that
/// still does not fit rejects its row as a decimal overflow. Integers take part as decimal(10,0) (int) or decimal(19,0)
/// (bigint). Digits dropped by a smaller scale are rounded half away from zero.
/// </summary>
internal static class DecimalRules
{
    public static ExprType Add(ExprType a, ExprType b)
    {
        var s = Math.Max(a.Scale, b.Scale);
        return Cap(Math.Max(a.Precision - a.Scale, b.Precision - b.Scale) + s + 1, s);
    }

    public static ExprType Multiply(ExprType a, ExprType b) => Cap(a.Precision + b.Precision + 1, a.Scale + b.Scale);

    public static ExprType Divide(ExprType a, ExprType b)
    {
        var s = Math.Max(6, a.Scale + b.Precision + 1);
        return Cap(a.Precision - a.Scale + b.Scale + s, s);
    }

    /// <summary>An integer or decimal type as a decimal.</summary>
    public static ExprType AsDecimal(ExprType t) => t.Kind switch
    {
        ExprKind.Int32 => ExprType.Decimal(10, 0),
        ExprKind.Int64 => ExprType.Decimal(19, 0),
        _ => t,
    };

    private static ExprType Cap(int p, int s)
    {
        if (p > DecimalMath.MaxPrecision)
        {
            s = Math.Max(Math.Min(s, 6), s - (p - DecimalMath.MaxPrecision));
            p = DecimalMath.MaxPrecision;
        }

        return ExprType.Decimal(p, Math.Min(s, p));
    }
}
