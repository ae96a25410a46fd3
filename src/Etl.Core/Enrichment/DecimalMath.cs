using System.Runtime.CompilerServices;

namespace Etl.Core.Enrichment;

/// <summary>
/// Exact decimal arithmetic on unscaled <see cref="Int128"/> values (value = unscaled / 10^scale). Rounding is half away
/// from zero everywhere: 0.125 to two places is 0.13 and -0.125 is -0.13.
/// </summary>
public static class DecimalMath
{
    private static readonly Int128[] s_pow10 = BuildPowers();

    /// <summary>Largest precision (digits) a decimal may have.</summary>
    public const int MaxPrecision = 38;

    /// <summary>10^<paramref name="exponent"/> for 0..38.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Int128 Pow10(int exponent) => s_pow10[exponent];

    /// <summary>Whether <paramref name="unscaled"/> has at most <paramref name="precision"/> digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool FitsPrecision(Int128 unscaled, int precision)
    {
        var limit = s_pow10[precision];
        return unscaled < limit && unscaled > -limit;
    }

    /// <summary>
    /// Changes the scale of <paramref name="unscaled"/> from <paramref name="fromScale"/> to <paramref name="toScale"/>,
    /// rounding half away from zero when digits are dropped. False when the result does not fit in 128 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRescale(Int128 unscaled, int fromScale, int toScale, out Int128 result)
    {
        if (toScale == fromScale)
        {
            result = unscaled;
            return true;
        }

        if (toScale > fromScale)
        {
            return TryMultiply(unscaled, s_pow10[toScale - fromScale], out result);
        }

        result = DivideRounded(unscaled, s_pow10[fromScale - toScale]);
        return true;
    }

    /// <summary>Checked multiplication; false on overflow.</summary>
    public static bool TryMultiply(Int128 a, Int128 b, out Int128 result)
    {
        // Hot path (amounts times rates): two 64-bit operands give an exact 128-bit product with one widening multiply.
        if (FitsLong(a) && FitsLong(b))
        {
            var high = Math.BigMul((long)a, (long)b, out var low);
            result = new Int128((ulong)high, (ulong)low);
            return true;
        }

        try
        {
            result = checked(a * b);
            return true;
        }
        catch (OverflowException)
        {
            result = default;
            return false;
        }
    }

    /// <summary>Checked addition; false on overflow.</summary>
    public static bool TryAdd(Int128 a, Int128 b, out Int128 result)
    {
        // Both operands are below 10^38 in magnitude, so the sum stays well inside Int128's range only when signs differ;
        // otherwise check against the limit explicitly.
        try
        {
            result = checked(a + b);
            return true;
        }
        catch (OverflowException)
        {
            result = default;
            return false;
        }
    }

    /// <summary><paramref name="dividend"/> / <paramref name="divisor"/>, rounded half away from zero.</summary>
    public static Int128 DivideRounded(Int128 dividend, Int128 divisor)
    {
        if (FitsLong(dividend) && FitsLong(divisor) && divisor != -1)
        {
            // 64-bit division is several times cheaper than 128-bit; same rounding.
            var (lq, lr) = Math.DivRem((long)dividend, (long)divisor);
            if (lr == 0)
            {
                return lq;
            }

            var absLr = Math.Abs(lr);
            var absLd = Math.Abs((long)divisor);
            return absLr >= absLd - absLr ? ((long)dividend < 0) != ((long)divisor < 0) ? lq - 1 : lq + 1 : lq;
        }

        var quotient = Int128.DivRem(dividend, divisor);
        var q = quotient.Quotient;
        var r = quotient.Remainder;
        if (r == 0)
        {
            return q;
        }

        var absR = Int128.Abs(r);
        var absD = Int128.Abs(divisor);
        // |r| >= |d| - |r| is the same as 2|r| >= |d| without the risk of overflowing 2|r|.
        if (absR >= absD - absR)
        {
            return (dividend < 0) != (divisor < 0) ? q - 1 : q + 1;
        }

        return q;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FitsLong(Int128 value) => value >= long.MinValue + 1 && value <= long.MaxValue;

    /// <summary>Compares two decimals of possibly different scales exactly.</summary>
    public static int Compare(Int128 a, int scaleA, Int128 b, int scaleB)
    {
        if (scaleA == scaleB)
        {
            return a.CompareTo(b);
        }

        if (scaleA < scaleB)
        {
            return -Compare(b, scaleB, a, scaleA);
        }

        // Bring b up to a's scale; when that overflows, b's magnitude is beyond anything a can hold.
        if (TryMultiply(b, s_pow10[scaleA - scaleB], out var bs))
        {
            return a.CompareTo(bs);
        }

        return b < 0 ? 1 : -1;
    }

    /// <summary>The decimal as a double (nearest).</summary>
    public static double ToDouble(Int128 unscaled, int scale) => (double)unscaled / (double)s_pow10[scale];

    /// <summary>Writes the decimal as text (e.g. <c>-12.50</c>) to <paramref name="destination"/>; returns bytes written.</summary>
    public static int FormatUtf8(Int128 unscaled, int scale, Span<byte> destination)
    {
        Span<byte> digits = stackalloc byte[48];
        var negative = unscaled < 0;
        // Work on the magnitude as UInt128 so that Int128.MinValue does not overflow.
        var magnitude = negative ? (UInt128)(-(unscaled + 1)) + 1 : (UInt128)unscaled;
        var n = 0;
        do
        {
            var (q, r) = UInt128.DivRem(magnitude, 10);
            digits[n++] = (byte)('0' + (int)r);
            magnitude = q;
        }
        while (magnitude != 0 || n <= scale);

        var w = 0;
        if (negative)
        {
            destination[w++] = (byte)'-';
        }

        for (var i = n - 1; i >= 0; i--)
        {
            destination[w++] = digits[i];
            if (i == scale && scale > 0)
            {
                destination[w++] = (byte)'.';
            }
        }

        return w;
    }

    private static Int128[] BuildPowers()
    {
        var p = new Int128[MaxPrecision + 1];
        p[0] = 1;
        for (var i = 1; i < p.Length; i++)
        {
            p[i] = p[i - 1] * 10;
        }

        return p;
    }
}
