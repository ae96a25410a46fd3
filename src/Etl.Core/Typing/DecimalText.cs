using System.Globalization;
using System.Numerics;

namespace Etl.Core.Typing;

/// <summary>Formats unscaled decimals exactly.</summary>
public static class DecimalText
{
    /// <summary>Formats <paramref name="unscaled"/> / 10^<paramref name="scale"/> with exactly <paramref name="scale"/> decimals.</summary>
    public static string Format(Int128 unscaled, int scale)
    {
        var negative = unscaled < 0;
        var digits = BigInteger.Abs((BigInteger)unscaled).ToString(CultureInfo.InvariantCulture);
        if (scale > 0)
        {
            digits = digits.PadLeft(scale + 1, '0');
            digits = digits[..^scale] + "." + digits[^scale..];
        }

        return negative ? "-" + digits : digits;
    }
}
