using System.Globalization;
using System.Text;

namespace Etl.Core.Generation;

/// <summary>Options of <see cref="PartnerSalesGenerator"/>.</summary>
/// <param name="Rows">Data rows.</param>
/// <param name="Layout">'a': "Order ID,Order Date,Country,Item Type,Units Sold,Unit Price"; 'b': lower-case names in another order, "qty"/"price", plus an extra store_code column.</param>
/// <param name="Month">The month the orders fall in.</param>
/// <param name="Seed">Random seed.</param>
/// <param name="BadRowRate">Share of rows with an unparseable date or quantity.</param>
/// <param name="DropColumn">A header name to leave out.</param>
public sealed record PartnerSalesOptions(int Rows, char Layout, DateOnly Month, int Seed = 1, double BadRowRate = 0, string? DropColumn = null);

/// <summary>Monthly partner sales files in two layouts, for the partner-sales sample and tests.</summary>
public static class PartnerSalesGenerator
{
    private static readonly string[] s_countries = ["Chad", "Peru", "Norway", "Japan", "Kenya", "Ghana", "Canada", "Korea, South", "Cote d'Ivoire"];
    private static readonly (string Item, string Price)[] s_items = [("Office Supplies", "651.21"), ("Cereal", "205.70"), ("Snacks", "152.58"), ("Beverages", "47.45"), ("Fruits", "9.33"), ("Clothes", "109.28"), ("Meat", "421.89")];

    /// <summary>Writes one partner file to <paramref name="output"/> (left open).</summary>
    public static async Task WriteAsync(Stream output, PartnerSalesOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(options.Seed);
        string[] header = options.Layout == 'a'
            ? ["Order ID", "Order Date", "Country", "Item Type", "Units Sold", "Unit Price"]
            : ["order_date", "order_id", "country", "item_type", "qty", "price", "store_code"];
        var keep = Enumerable.Range(0, header.Length).Where(i => !string.Equals(header[i], options.DropColumn, StringComparison.OrdinalIgnoreCase)).ToArray();
        var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteLineAsync(string.Join(',', keep.Select(i => header[i]))).ConfigureAwait(false);
            var days = DateTime.DaysInMonth(options.Month.Year, options.Month.Month);
            var baseId = (options.Layout == 'a' ? 100_000 : 200_000) + (options.Month.Month * 1000);
            for (var r = 0; r < options.Rows; r++)
            {
                var (item, price) = s_items[random.Next(s_items.Length)];
                var date = new DateOnly(options.Month.Year, options.Month.Month, 1 + random.Next(days)).ToString("M/d/yyyy", CultureInfo.InvariantCulture);
                var units = (1 + random.Next(99)).ToString(CultureInfo.InvariantCulture);
                if (options.BadRowRate > 0 && random.NextDouble() < options.BadRowRate)
                {
                    if (random.Next(2) == 0)
                    {
                        date = "not-a-date";
                    }
                    else
                    {
                        units = "two";
                    }
                }

                var country = s_countries[random.Next(s_countries.Length)];
                country = country.Contains(',', StringComparison.Ordinal) ? "\"" + country + "\"" : country;
                var id = (baseId + r).ToString(CultureInfo.InvariantCulture);
                string[] values = options.Layout == 'a'
                    ? [id, date, country, item, units, price]
                    : [date, id, country, item, units, price, "ST-" + random.Next(10).ToString("00", CultureInfo.InvariantCulture)];
                await writer.WriteLineAsync(string.Join(',', keep.Select(i => values[i]))).ConfigureAwait(false);
            }
        }
    }
}
