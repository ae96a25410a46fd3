using System.Globalization;
using System.Text;

namespace Etl.Core.Generation;

/// <summary>Options of <see cref="SalesRecordsGenerator"/>.</summary>
/// <param name="Rows">Data rows to write.</param>
/// <param name="Seed">Random seed: the same seed gives the same file.</param>
/// <param name="BadRowRate">Share of rows (0..1) with an unparseable number or date.</param>
/// <param name="DropColumn">A header name to leave out (to make a file that misses a required column).</param>
/// <param name="ExtraColumn">Adds a column with this name (to exercise extra_columns).</param>
public sealed record SalesRecordsOptions(long Rows, int Seed = 1, double BadRowRate = 0, string? DropColumn = null, string? ExtraColumn = null);

/// <summary>
/// Writes CSV shaped like the public "Sales Records" file (Region, Country, Item Type, Sales Channel, Order Priority,
/// Order Date, Order ID, Ship Date, Units Sold, Unit Price, Unit Cost, Total Revenue, Total Cost, Total Profit), with
/// realistic countries and regions, fixed prices per item type, M/d/yyyy dates and totals consistent to the cent.
/// Streaming and deterministic by seed.
/// </summary>
public static partial class SalesRecordsGenerator
{
    /// <summary>The header of the public file.</summary>
    public static readonly IReadOnlyList<string> Header =
    [
        "Region", "Country", "Item Type", "Sales Channel", "Order Priority", "Order Date", "Order ID", "Ship Date",
        "Units Sold", "Unit Price", "Unit Cost", "Total Revenue", "Total Cost", "Total Profit",
    ];

    private static readonly (string Region, string[] Countries)[] s_regions =
    [
        ("Europe", ["Norway", "Germany", "France", "Spain", "Italy", "Poland", "Sweden", "Portugal", "Greece", "Ireland", "Austria", "Czech Republic", "Hungary", "Romania", "Iceland", "Finland", "Denmark", "Belgium", "Netherlands", "Switzerland"]),
        ("Asia", ["Japan", "China", "India", "Vietnam", "Thailand", "Indonesia", "Malaysia", "Philippines", "Mongolia", "Nepal", "Bangladesh", "Sri Lanka", "Cambodia", "Laos", "South Korea", "North Korea", "Singapore", "Brunei", "Bhutan", "Myanmar"]),
        ("Sub-Saharan Africa", ["Chad", "Kenya", "Ghana", "Nigeria", "Ethiopia", "Uganda", "Tanzania", "Rwanda", "Senegal", "Mali", "Niger", "Zambia", "Zimbabwe", "Mozambique", "Angola", "Namibia", "Botswana", "Cote d'Ivoire", "Cameroon", "Madagascar"]),
        ("Middle East and North Africa", ["Egypt", "Morocco", "Algeria", "Tunisia", "Libya", "Jordan", "Lebanon", "Iraq", "Iran", "Saudi Arabia", "Oman", "Qatar", "Kuwait", "Bahrain", "Yemen", "Syria", "Israel", "Turkey", "Azerbaijan", "Pakistan"]),
        ("Central America and the Caribbean", ["Mexico", "Guatemala", "Honduras", "Panama", "Cuba", "Haiti", "Jamaica", "Belize", "Costa Rica", "Nicaragua", "El Salvador", "Dominica", "Grenada", "Barbados", "The Bahamas"]),
        ("Australia and Oceania", ["Australia", "New Zealand", "Fiji", "Samoa", "Tonga", "Vanuatu", "Kiribati", "Palau", "Tuvalu", "Nauru", "Papua New Guinea", "Solomon Islands"]),
        ("North America", ["United States of America", "Canada", "Greenland"]),
    ];

    private static readonly (string Name, long PriceCents, long CostCents)[] s_items =
    [
        ("Baby Food", 25528, 15957), ("Beverages", 4733, 3179), ("Cereal", 20570, 11785), ("Clothes", 10928, 3567),
        ("Cosmetics", 43720, 26339), ("Fruits", 933, 656), ("Household", 66827, 50254), ("Meat", 42189, 36455),
        ("Office Supplies", 65121, 52496), ("Personal Care", 8173, 5654), ("Snacks", 15258, 9744), ("Vegetables", 15406, 9104),
    ];

    /// <summary>Writes the CSV to <paramref name="output"/> (left open).</summary>
    public static async Task WriteAsync(Stream output, SalesRecordsOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(options.Seed);
        var columns = Header.Where(h => !string.Equals(h, options.DropColumn, StringComparison.OrdinalIgnoreCase)).ToList();
        if (options.ExtraColumn is not null)
        {
            columns.Add(options.ExtraColumn);
        }

        var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteLineAsync(string.Join(',', columns)).ConfigureAwait(false);
            var values = new string[Header.Count];
            var sb = new StringBuilder(256);
            for (long r = 0; r < options.Rows; r++)
            {
                Fill(values, random, r);
                if (options.BadRowRate > 0 && random.NextDouble() < options.BadRowRate)
                {
                    // Break one typed value the way real exports do.
                    switch (random.Next(3))
                    {
                        case 0: values[8] = "n/a"; break;
                        case 1: values[5] = "31/31/2020"; break;
                        default: values[9] = "12,34"; break;
                    }
                }

                sb.Clear();
                for (var c = 0; c < columns.Count; c++)
                {
                    if (c > 0)
                    {
                        sb.Append(',');
                    }

                    var index = IndexOf(columns[c]);
                    var v = index >= 0 ? values[index] : "extra-" + (r % 7).ToString(CultureInfo.InvariantCulture);
                    if (v.Contains(',', StringComparison.Ordinal) || v.Contains('"', StringComparison.Ordinal))
                    {
                        sb.Append('"').Append(v.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
                    }
                    else
                    {
                        sb.Append(v);
                    }
                }

                sb.Append('\n');
                await writer.WriteAsync(sb, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static int IndexOf(string column)
    {
        for (var i = 0; i < Header.Count; i++)
        {
            if (string.Equals(Header[i], column, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static void Fill(string[] v, Random random, long row)
    {
        var r = Next(random, row);
        v[0] = r.Region;
        v[1] = r.Country;
        v[2] = r.Item;
        v[3] = r.Channel;
        v[4] = r.Priority;
        v[5] = r.OrderDate.ToString("M/d/yyyy", CultureInfo.InvariantCulture);
        v[6] = r.OrderId.ToString(CultureInfo.InvariantCulture);
        v[7] = r.ShipDate.ToString("M/d/yyyy", CultureInfo.InvariantCulture);
        v[8] = r.Units.ToString(CultureInfo.InvariantCulture);
        v[9] = Money(r.PriceCents);
        v[10] = Money(r.CostCents);
        v[11] = Money(r.PriceCents * r.Units);
        v[12] = Money(r.CostCents * r.Units);
        v[13] = Money((r.PriceCents - r.CostCents) * r.Units);
    }

    /// <summary>One row's values; the random draws are in the order the CSV writer has always made them, so a seed keeps its file.</summary>
    internal static SalesRecord Next(Random random, long row)
    {
        var (region, countries) = s_regions[random.Next(s_regions.Length)];
        var (item, price, cost) = s_items[random.Next(s_items.Length)];
        var units = 1 + random.Next(9999);
        var orderDate = new DateOnly(2010, 1, 1).AddDays(random.Next(2920));
        var country = countries[random.Next(countries.Length)];
        var channel = random.Next(2) == 0 ? "Online" : "Offline";
        var priority = "LMHC"[random.Next(4)].ToString();
        var ship = orderDate.AddDays(random.Next(50));
        return new SalesRecord(region, country, item, channel, priority, orderDate, 100_000_000 + (row * 7919 % 900_000_000), ship, units, price, cost);
    }

    private static string Money(long cents) =>
        (cents / 100).ToString(CultureInfo.InvariantCulture) + "." + (cents % 100).ToString("00", CultureInfo.InvariantCulture);
}

/// <summary>One generated "Sales Records" row, typed (totals are units times the unit amounts).</summary>
internal readonly record struct SalesRecord(
    string Region, string Country, string Item, string Channel, string Priority, DateOnly OrderDate, long OrderId, DateOnly ShipDate, int Units, long PriceCents, long CostCents);
