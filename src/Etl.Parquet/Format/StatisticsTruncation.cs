using System.Text;

namespace Etl.Parquet.Format;

/// <summary>
/// Shortens BYTE_ARRAY min/max statistics as the Parquet specification allows: a truncated min is a prefix of the true
/// min (so it is still a lower bound), a truncated max is a prefix of the true max with its last character incremented
/// (so it is still an upper bound), and both are marked not exact (<c>is_min_value_exact</c> / <c>is_max_value_exact</c>).
/// Without it, one 50 MB value is stored twice more in the footer, and every reader loads it to plan a query.
/// </summary>
internal static class StatisticsTruncation
{
    /// <summary>Truncates <paramref name="min"/> to at most <paramref name="limit"/> bytes, on a UTF-8 character boundary.</summary>
    public static byte[] Min(ReadOnlySpan<byte> min, int limit, out bool exact)
    {
        exact = min.Length <= limit;
        return exact ? min.ToArray() : min[..Utf8Prefix(min, limit)].ToArray();
    }

    /// <summary>
    /// An upper bound of <paramref name="max"/> of about <paramref name="limit"/> bytes, or null when there is none
    /// shorter than the value (a prefix of only U+10FFFF characters, or of 0xFF bytes in non-UTF-8 data).
    /// </summary>
    public static byte[]? Max(ReadOnlySpan<byte> max, int limit, out bool exact)
    {
        exact = max.Length <= limit;
        if (exact)
        {
            return max.ToArray();
        }

        var prefix = max[..Utf8Prefix(max, limit)];
        return System.Text.Unicode.Utf8.IsValid(prefix) ? IncrementUtf8(prefix) : IncrementBytes(prefix);
    }

    private static int Utf8Prefix(ReadOnlySpan<byte> value, int limit)
    {
        var n = Math.Min(limit, value.Length);
        while (n > 0 && n < value.Length && (value[n] & 0xC0) == 0x80)
        {
            n--;
        }

        return n;
    }

    /// <summary>Increments the last code point that can be (skipping surrogates), dropping what follows it.</summary>
    private static byte[]? IncrementUtf8(ReadOnlySpan<byte> prefix)
    {
        var end = prefix.Length;
        while (end > 0)
        {
            var start = end - 1;
            while (start > 0 && (prefix[start] & 0xC0) == 0x80)
            {
                start--;
            }

            Rune.DecodeFromUtf8(prefix[start..end], out var rune, out _);
            var next = rune.Value + 1;
            if (next == 0xD800)
            {
                next = 0xE000;
            }

            if (next <= 0x10FFFF)
            {
                var bump = new Rune(next);
                var result = new byte[start + bump.Utf8SequenceLength];
                prefix[..start].CopyTo(result);
                bump.EncodeToUtf8(result.AsSpan(start));
                return result;
            }

            end = start;
        }

        return null;
    }

    private static byte[]? IncrementBytes(ReadOnlySpan<byte> prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] != 0xFF)
            {
                var result = prefix[..(i + 1)].ToArray();
                result[i]++;
                return result;
            }
        }

        return null;
    }
}
