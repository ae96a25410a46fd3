using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Etl.Core.Typing;

/// <summary>
/// Parses UTF-8 field bytes to typed values without allocating on the common paths (ISO and M/d/yyyy dates,
/// integers, exact decimals). Every method returns false on bad input; the caller turns that into a reject reason.
/// </summary>
public static class ValueParser
{
    /// <summary>Days from 0001-01-01 to 1970-01-01.</summary>
    public const int EpochDayNumber = 719162;

    /// <summary>10^0 .. 10^38, the powers an Int128 holds.</summary>
    private static readonly Int128[] s_pow10 = Powers();

    /// <summary>Trims ASCII spaces and tabs.</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        var a = 0;
        var b = s.Length;
        while (a < b && (s[a] == (byte)' ' || s[a] == (byte)'\t'))
        {
            a++;
        }

        while (b > a && (s[b - 1] == (byte)' ' || s[b - 1] == (byte)'\t'))
        {
            b--;
        }

        return s[a..b];
    }

    /// <summary>Parses a 32-bit integer.</summary>
    public static bool TryParseInt32(ReadOnlySpan<byte> s, out int value) =>
        Utf8Parser.TryParse(s, out value, out var consumed) && consumed == s.Length;

    /// <summary>Parses a 64-bit integer.</summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value) =>
        Utf8Parser.TryParse(s, out value, out var consumed) && consumed == s.Length;

    /// <summary>Parses a double (invariant, '.' decimal point, optional exponent).</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> s, out double value) =>
        Utf8Parser.TryParse(s, out value, out var consumed) && consumed == s.Length && double.IsFinite(value);

    /// <summary>Parses true/false, 1/0, yes/no, y/n, t/f (case-insensitive).</summary>
    public static bool TryParseBoolean(ReadOnlySpan<byte> s, out bool value)
    {
        Span<byte> lower = stackalloc byte[5];
        if (s.Length is 0 or > 5)
        {
            value = false;
            return false;
        }

        for (var i = 0; i < s.Length; i++)
        {
            lower[i] = (byte)(s[i] | 0x20);
        }

        var l = lower[..s.Length];
        if (l.SequenceEqual("true"u8) || l.SequenceEqual("1"u8) || l.SequenceEqual("yes"u8) || l.SequenceEqual("y"u8) || l.SequenceEqual("t"u8))
        {
            value = true;
            return true;
        }

        value = false;
        return l.SequenceEqual("false"u8) || l.SequenceEqual("0"u8) || l.SequenceEqual("no"u8) || l.SequenceEqual("n"u8) || l.SequenceEqual("f"u8);
    }

    /// <summary>
    /// Parses an exact decimal to its unscaled value at <paramref name="scale"/>: "651.2" at scale 2 is 65120.
    /// More fractional digits than the scale are refused unless they are zeros (no silent rounding); so are values
    /// with more than <paramref name="precision"/> digits.
    /// </summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, int precision, int scale, out Int128 unscaled, out string? problem)
    {
        unscaled = 0;
        problem = null;
        var i = 0;
        var negative = false;
        if (i < s.Length && (s[i] == (byte)'-' || s[i] == (byte)'+'))
        {
            negative = s[i] == (byte)'-';
            i++;
        }

        // Significant digits so far (leading zeros do not count): the unscaled value's digit count, checked against the
        // precision without dividing. Up to 19 digits the value is built in 64 bits; Int128 arithmetic only past that.
        var digits = 0;
        var fraction = -1;
        var any = false;
        ulong narrow = 0;
        Int128 wide = 0;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == (byte)'.')
            {
                if (fraction >= 0)
                {
                    problem = "has two decimal points";
                    return false;
                }

                fraction = 0;
                continue;
            }

            if (c is < (byte)'0' or > (byte)'9')
            {
                problem = "is not a number";
                return false;
            }

            any = true;
            if (fraction >= 0)
            {
                if (fraction == scale)
                {
                    if (c != (byte)'0')
                    {
                        problem = DecimalPlacesProblem(precision, scale);
                        return false;
                    }

                    continue;
                }

                fraction++;
            }

            if (digits == 0 && c == (byte)'0')
            {
                continue; // a leading zero: the value stays 0
            }

            if (++digits > 38)
            {
                problem = "has too many digits";
                return false;
            }

            AppendDigit(ref narrow, ref wide, digits, (uint)(c - (byte)'0'));
        }

        if (!any)
        {
            problem = "is not a number";
            return false;
        }

        if (digits > 0)
        {
            for (var f = Math.Max(fraction, 0); f < scale; f++)
            {
                AppendDigit(ref narrow, ref wide, ++digits, 0);
            }
        }

        if (digits > precision)
        {
            problem = DecimalFitProblem(precision, scale);
            return false;
        }

        var v = digits <= 19 ? (Int128)narrow : wide;
        unscaled = negative ? -v : v;
        return true;
    }

    /// <summary>
    /// Rescales an exact decimal, <paramref name="unscaled"/> at <paramref name="fromScale"/>, to the column's scale with
    /// the rules of <see cref="TryParseDecimal"/>: digits past the scale must be zeros, and the result must have at most
    /// <paramref name="precision"/> digits (a typed Parquet DECIMAL is held to what its text would be).
    /// </summary>
    public static bool TryRescaleDecimal(Int128 unscaled, int fromScale, int precision, int scale, out Int128 result, out string? problem)
    {
        result = 0;
        problem = null;
        if (unscaled == 0)
        {
            return true;
        }

        var magnitude = unscaled < 0 ? -unscaled : unscaled;
        if (fromScale > scale)
        {
            var divisor = fromScale - scale < s_pow10.Length ? s_pow10[fromScale - scale] : 0;
            if (divisor == 0 || magnitude % divisor != 0)
            {
                problem = DecimalPlacesProblem(precision, scale);
                return false;
            }

            magnitude /= divisor;
        }

        // The value's digits at the column's scale: its own, plus the zeros that scaling up appends.
        var up = Math.Max(scale - fromScale, 0);
        if (precision - up < 0 || precision - up >= s_pow10.Length || magnitude >= s_pow10[precision - up])
        {
            problem = DecimalFitProblem(precision, scale);
            return false;
        }

        magnitude *= s_pow10[up];
        result = unscaled < 0 ? -magnitude : magnitude;
        return true;
    }

    internal static string DecimalPlacesProblem(int precision, int scale) =>
        $"has more than {scale} decimal places (the column is decimal({precision},{scale}); values are never rounded silently)";

    internal static string DecimalFitProblem(int precision, int scale) => $"does not fit decimal({precision},{scale})";

    /// <summary>Appends a decimal digit, the <paramref name="digits"/>-th significant one, to the value being parsed.</summary>
    private static void AppendDigit(ref ulong narrow, ref Int128 wide, int digits, uint digit)
    {
        if (digits <= 19)
        {
            narrow = (narrow * 10) + digit; // 19 digits fit in 64 bits unsigned
        }
        else if (digits == 20)
        {
            wide = ((Int128)narrow * 10) + digit;
        }
        else if (digits <= 38)
        {
            wide = (wide * 10) + digit;
        }
    }

    /// <summary>Parses a date as days since 1970-01-01: ISO yyyy-MM-dd by default, or a .NET custom format.</summary>
    public static bool TryParseDate(ReadOnlySpan<byte> s, string? format, out int days)
    {
        days = 0;
        if (format is null or "yyyy-MM-dd")
        {
            if (s.Length == 10 && s[4] == (byte)'-' && s[7] == (byte)'-'
                && TryDigits(s[..4], out var y) && TryDigits(s.Slice(5, 2), out var m) && TryDigits(s.Slice(8, 2), out var d))
            {
                return TryDays(y, m, d, out days);
            }

            if (format is not null)
            {
                return false;
            }
        }
        else if (format == "M/d/yyyy")
        {
            var a = s.IndexOf((byte)'/');
            var b = a < 0 ? -1 : s[(a + 1)..].IndexOf((byte)'/');
            if (a is 1 or 2 && b is 1 or 2 && s.Length - (a + b + 2) == 4
                && TryDigits(s[..a], out var m) && TryDigits(s.Slice(a + 1, b), out var d) && TryDigits(s[(a + b + 2)..], out var y))
            {
                return TryDays(y, m, d, out days);
            }

            return false;
        }

        Span<char> chars = stackalloc char[64];
        if (s.Length > 64 || !Encoding.UTF8.TryGetChars(s, chars, out var n))
        {
            return false;
        }

        var ok = format is null
            ? DateOnly.TryParse(chars[..n], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            : DateOnly.TryParseExact(chars[..n], format, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
        days = ok ? date.DayNumber - EpochDayNumber : 0;
        return ok;
    }

    /// <summary>Parses a timestamp as microseconds since the epoch (UTC; a value without offset is taken as UTC).</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<byte> s, string? format, out long micros)
    {
        micros = 0;
        Span<char> chars = stackalloc char[64];
        if (s.Length > 64 || !Encoding.UTF8.TryGetChars(s, chars, out var n))
        {
            return false;
        }

        const DateTimeStyles styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        var ok = format is null
            ? DateTimeOffset.TryParse(chars[..n], CultureInfo.InvariantCulture, styles, out var t)
            : DateTimeOffset.TryParseExact(chars[..n], format, CultureInfo.InvariantCulture, styles, out t);
        if (ok)
        {
            micros = (t.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
        }

        return ok;
    }

    private static bool TryDigits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (c - (byte)'0');
        }

        return true;
    }

    private static bool TryDays(int y, int m, int d, out int days)
    {
        days = 0;
        if (y is < 1 or > 9999 || m is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, m))
        {
            return false;
        }

        days = new DateOnly(y, m, d).DayNumber - EpochDayNumber;
        return true;
    }

    private static Int128[] Powers()
    {
        var p = new Int128[39];
        p[0] = 1;
        for (var i = 1; i < p.Length; i++)
        {
            p[i] = p[i - 1] * 10;
        }

        return p;
    }
}
