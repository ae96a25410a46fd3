using System.Text;
using Etl.Core.Reading;

namespace Etl.Core.Pipeline;

/// <summary>
/// A rejected row written back as one CSV record (the file's own field order and delimiter, quoted where needed), so
/// that the rows of a rejects file can be fixed and dropped again as a CSV under the same header.
/// </summary>
internal static class RejectedRecordText
{
    /// <summary>Longest record kept in a reject, in UTF-8 bytes: a huge row is kept in part, not copied whole into rejects/.</summary>
    public const int MaxBytes = 64 * 1024;

    public static string Format(CsvReader csv, char delimiter, out bool truncated)
    {
        var sb = new StringBuilder();
        var budget = MaxBytes;
        truncated = false;
        for (var i = 0; i < csv.FieldCount && !truncated; i++)
        {
            if (i > 0)
            {
                sb.Append(delimiter);
                budget--;
            }

            var field = csv[i];
            var quote = field.IndexOfAny((byte)delimiter, (byte)'"', (byte)'\n') >= 0 || field.IndexOf((byte)'\r') >= 0;
            if (field.Length > budget)
            {
                field = field[..Utf8Prefix(field, budget)];
                truncated = true;
            }

            budget -= field.Length;
            var text = Encoding.UTF8.GetString(field);
            if (quote)
            {
                sb.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                sb.Append(text);
            }
        }

        return sb.ToString();
    }

    /// <summary>The longest prefix of at most <paramref name="max"/> bytes that does not split a UTF-8 sequence.</summary>
    public static int Utf8Prefix(ReadOnlySpan<byte> value, int max)
    {
        if (max <= 0)
        {
            return 0;
        }

        if (value.Length <= max)
        {
            return value.Length;
        }

        var n = max;
        while (n > 0 && (value[n] & 0xC0) == 0x80)
        {
            n--;
        }

        return n;
    }
}
