using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Etl.Core.Typing;

namespace Etl.Core.Enrichment.Reference;

/// <summary>
/// A reference table of rates to USD: per currency, the rates sorted by the day they take effect. The rate for a row is
/// the latest one effective on or before the row's date (binary search). A rate is USD per one unit of the currency, so
/// <c>amount_usd = amount * rate</c>. USD itself converts at 1 unless the table says otherwise.
/// </summary>
public sealed class CurrencyRateTable
{
    /// <summary>Scale the rates are held at (digits after the point); more digits in the table are an error.</summary>
    public const int RateScale = 10;

    private static readonly byte[] s_usd = "USD"u8.ToArray();
    private readonly Utf8KeyMap<int> _currencies;
    private readonly int[][] _days;
    private readonly Int128[][] _rates;

    private CurrencyRateTable(string source, Utf8KeyMap<int> currencies, int[][] days, Int128[][] rates, string hash, int rowCount)
    {
        Source = source;
        _currencies = currencies;
        _days = days;
        _rates = rates;
        ContentHash = hash;
        RowCount = rowCount;
    }

    /// <summary>Where the table came from (for messages).</summary>
    public string Source { get; }

    /// <summary>
    /// SHA-256 (hex) of the table's normalised content (every currency, day and rate, sorted). It changes when a rate is
    /// added or changed, and not when the file is only re-sorted or re-compressed; the engine compares it with the hash
    /// recorded for files that had missing-rate rejects, to retry them.
    /// </summary>
    public string ContentHash { get; }

    /// <summary>Rates in the table.</summary>
    public int RowCount { get; }

    /// <summary>
    /// Loads a CSV or CSV.gz with a header: a currency column (<c>currency</c>, <c>currency_code</c> or <c>code</c>), an
    /// effective column (<c>effective_date</c>, <c>date</c>, <c>effective_month</c> or <c>month</c>; <c>yyyy-MM-dd</c>, or
    /// <c>yyyy-MM</c> for the first of the month) and a rate column (<c>rate_to_usd</c>, <c>usd_rate</c> or <c>rate</c>).
    /// </summary>
    /// <exception cref="ReferenceDataException">Bad header, value, duplicate or size.</exception>
    public static async Task<CurrencyRateTable> LoadAsync(Stream stream, string source, int maxRows = 1_000_000, long maxBytes = 256L << 20, CancellationToken cancellationToken = default)
    {
        using var csv = await ReferenceCsv.OpenAsync(stream, source, maxBytes, cancellationToken).ConfigureAwait(false);
        var currencyColumn = csv.Require("currency", "currency", "currency_code", "code");
        var dateColumn = csv.Require("effective date", "effective_date", "date", "effective_month", "month", "effective");
        var rateColumn = csv.Require("rate", "rate_to_usd", "usd_rate", "rate");
        var currencies = new Utf8KeyMap<int>();
        var names = new List<string>();
        var entries = new List<List<(int Day, Int128 Rate, long Line)>>();
        var rows = 0;
        var code = new byte[16];
        while (await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var line = csv.Row.LineNumber;
            if (++rows > maxRows)
            {
                throw new ReferenceDataException($"{source}: more than {maxRows:N0} rates (the limit); trim the table or raise the limit.");
            }

            var raw = csv.Field(currencyColumn);
            if (raw.Length is 0 or > 16)
            {
                throw new ReferenceDataException($"{source}:{line}: currency '{Encoding.UTF8.GetString(raw)}' is not a currency code; write an ISO code such as EUR.");
            }

            var n = System.Text.Ascii.ToUpper(raw, code, out var written) == System.Buffers.OperationStatus.Done ? written : -1;
            if (n < 0)
            {
                throw new ReferenceDataException($"{source}:{line}: currency '{Encoding.UTF8.GetString(raw)}' is not an ASCII currency code.");
            }

            var effective = csv.Field(dateColumn);
            if (!TryParseEffective(effective, out var day))
            {
                throw new ReferenceDataException($"{source}:{line}: effective date '{Encoding.UTF8.GetString(effective)}' is not a date; write yyyy-MM-dd or yyyy-MM.");
            }

            var rateText = csv.Field(rateColumn);
            if (!ValueParser.TryParseDecimal(rateText, 38, RateScale, out var rate, out var problem) || rate <= 0)
            {
                throw new ReferenceDataException($"{source}:{line}: rate '{Encoding.UTF8.GetString(rateText)}' is not a positive number with at most {RateScale} decimal places{(problem is null ? "" : $" ({problem})")}.");
            }

            var key = code.AsSpan(0, n);
            if (!currencies.TryGetValue(key, out var index))
            {
                index = names.Count;
                currencies.TryAdd(key, index);
                names.Add(Encoding.ASCII.GetString(key));
                entries.Add([]);
            }

            entries[index].Add((day, rate, line));
        }

        var days = new int[entries.Count][];
        var rates = new Int128[entries.Count][];
        var order = new int[entries.Count];
        for (var c = 0; c < entries.Count; c++)
        {
            order[c] = c;
            var list = entries[c];
            list.Sort((a, b) => a.Day.CompareTo(b.Day));
            for (var i = 1; i < list.Count; i++)
            {
                if (list[i].Day == list[i - 1].Day)
                {
                    throw new ReferenceDataException(
                        $"{source}:{list[i].Line}: {names[c]} has two rates effective on {FormatDay(list[i].Day)} (also line {list[i - 1].Line}); keep one.");
                }
            }

            days[c] = [.. list.Select(e => e.Day)];
            rates[c] = [.. list.Select(e => e.Rate)];
        }

        Array.Sort(order, (a, b) => string.CompareOrdinal(names[a], names[b]));
        var normal = new StringBuilder();
        foreach (var c in order)
        {
            for (var i = 0; i < days[c].Length; i++)
            {
                normal.Append(names[c]).Append(',').Append(days[c][i]).Append(',').Append(rates[c][i].ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normal.ToString())));
        return new CurrencyRateTable(source, currencies, days, rates, hash, rows);
    }

    /// <summary>
    /// The rate (unscaled at <see cref="RateScale"/>) for <paramref name="currency"/> (upper-case ASCII) on
    /// <paramref name="day"/> (days since 1970-01-01): the latest effective on or before that day.
    /// </summary>
    public bool TryGetRate(ReadOnlySpan<byte> currency, int day, out Int128 rate)
    {
        if (_currencies.TryGetValue(currency, out var index))
        {
            return TryGetRate(index, day, out rate);
        }

        if (currency.SequenceEqual(s_usd))
        {
            rate = DecimalMath.Pow10(RateScale);
            return true;
        }

        rate = default;
        return false;
    }

    /// <summary>The index of a currency in the table, or -1 (USD not in the table is -2: rate 1).</summary>
    internal int IndexOf(ReadOnlySpan<byte> currency) =>
        _currencies.TryGetValue(currency, out var index) ? index : currency.SequenceEqual(s_usd) ? -2 : -1;

    /// <summary>The rate of currency <paramref name="index"/> (from <see cref="IndexOf"/>) on a day.</summary>
    internal bool TryGetRate(int index, int day, out Int128 rate)
    {
        if (index == -2)
        {
            rate = DecimalMath.Pow10(RateScale);
            return true;
        }

        var days = _days[index];
        // Latest effective day <= day: the insertion point minus one.
        var i = Array.BinarySearch(days, day);
        if (i < 0)
        {
            i = ~i - 1;
        }

        if (i < 0)
        {
            rate = default;
            return false;
        }

        rate = _rates[index][i];
        return true;
    }

    internal static string FormatDay(int day) => DateOnly.FromDayNumber(ValueParser.EpochDayNumber + day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static bool TryParseEffective(ReadOnlySpan<byte> text, out int day)
    {
        if (text.Length == 7 && text[4] == (byte)'-'
            && int.TryParse(text[..4], NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            && int.TryParse(text[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            && year is >= 1 and <= 9999 && month is >= 1 and <= 12)
        {
            day = new DateOnly(year, month, 1).DayNumber - ValueParser.EpochDayNumber;
            return true;
        }

        return ValueParser.TryParseDate(text, "yyyy-MM-dd", out day);
    }
}
