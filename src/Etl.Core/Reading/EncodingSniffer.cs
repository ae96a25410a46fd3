using System.Globalization;

namespace Etl.Core.Reading;

/// <summary>
/// Recognises, from the first bytes of a file that should be UTF-8, input in another Unicode encoding (by its BOM, or
/// by the NUL bytes UTF-16 puts beside every ASCII character), so that it is reported as what it is instead of as
/// columns named "\u0000i\u0000d".
/// </summary>
public static class EncodingSniffer
{
    /// <summary>How many leading bytes <see cref="Detect"/> looks at.</summary>
    public const int SampleBytes = 4096;

    /// <summary>
    /// What the bytes are when they are not UTF-8 text: a description ("UTF-16 LE (BOM at offset 0)") and the
    /// <c>encoding:</c> value to declare for it (null when there is none to declare); null when they may be UTF-8.
    /// </summary>
    public static (string Description, string? Declare)? Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00]))
        {
            return ("UTF-32 LE (BOM at offset 0)", null);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]))
        {
            return ("UTF-32 BE (BOM at offset 0)", null);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return ("UTF-16 LE (BOM at offset 0)", "utf-16");
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return ("UTF-16 BE (BOM at offset 0)", "utf-16");
        }

        if (head.StartsWith("PK\u0003\u0004"u8))
        {
            return ("a zip archive (an .xlsx workbook is one), not CSV text", null);
        }

        // UTF-16 without a BOM: ASCII text has a NUL in every other byte, at odd offsets (LE) or even ones (BE).
        int even = 0, odd = 0;
        for (var i = 0; i < head.Length; i++)
        {
            if (head[i] == 0)
            {
                if ((i & 1) == 0)
                {
                    even++;
                }
                else
                {
                    odd++;
                }
            }
        }

        var pairs = head.Length / 2;
        if (pairs >= 2)
        {
            if (odd > pairs * 0.4 && even < pairs * 0.05)
            {
                return (string.Create(CultureInfo.InvariantCulture, $"UTF-16 LE without a BOM (NUL in {odd:N0} of the first {head.Length:N0} bytes)"), "utf-16le");
            }

            if (even > pairs * 0.4 && odd < pairs * 0.05)
            {
                return (string.Create(CultureInfo.InvariantCulture, $"UTF-16 BE without a BOM (NUL in {even:N0} of the first {head.Length:N0} bytes)"), "utf-16be");
            }
        }

        if (even + odd > head.Length / 10 && head.Length >= 16)
        {
            return (string.Create(CultureInfo.InvariantCulture, $"binary data, not text (NUL in {even + odd:N0} of the first {head.Length:N0} bytes)"), null);
        }

        return null;
    }
}
