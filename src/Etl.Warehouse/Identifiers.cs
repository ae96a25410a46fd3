using System.Text.RegularExpressions;

namespace Etl.Warehouse;

/// <summary>SQL identifier checks and quoting: every name is validated at configuration load and always double-quoted.</summary>
internal static partial class Identifiers
{
    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Valid();

    /// <summary>Throws when <paramref name="name"/> is not a lower-case identifier of at most 63 characters.</summary>
    public static void Check(string? name, string where)
    {
        if (name is null || !Valid().IsMatch(name))
        {
            throw new WarehouseConfigurationException(
                $"{where}: '{name}' is not a valid identifier; use lower-case letters, digits and '_' (starting with a letter or '_', at most 63 characters).");
        }
    }

    /// <summary>The identifier double-quoted (already validated, so no quote can appear inside).</summary>
    public static string Q(string name) => "\"" + name + "\"";
}
