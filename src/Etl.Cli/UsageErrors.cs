using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Etl.Cli;

/// <summary>
/// Command-line mistakes in plain words: System.CommandLine names the .NET type it failed to convert to
/// (<c>System.Nullable`1[System.Int32]</c>), which means nothing to the person who typed <c>--parallel abc</c>.
/// </summary>
internal static partial class UsageErrors
{
    /// <summary>Writes every parse error and where to find the usage; the caller exits with <see cref="ExitCodes.ConfigurationError"/>.</summary>
    public static void Write(ParseResult result, TextWriter stderr)
    {
        foreach (var error in result.Errors)
        {
            stderr.WriteLine(Describe(error.Message));
        }

        var path = new List<string>();
        for (SymbolResult? s = result.CommandResult; s is CommandResult c; s = c.Parent)
        {
            path.Insert(0, c.Command is RootCommand ? "etl" : c.Command.Name);
        }

        stderr.WriteLine($"Run '{string.Join(' ', path)} --help' for the options.");
    }

    /// <summary>A parse error's message with any .NET type name replaced by what the value should look like.</summary>
    public static string Describe(string message)
    {
        var m = CannotParse().Match(message);
        if (m.Success)
        {
            return $"{m.Groups["name"].Value} expects {Expected(m.Groups["type"].Value)}; '{m.Groups["value"].Value}' is not one.";
        }

        return message;
    }

    private static string Expected(string type) => type switch
    {
        _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "a whole number",
        _ when type.Contains("Double", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) => "a number",
        _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ => "another kind of value",
    };

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|command|argument) '(?<name>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();
}
