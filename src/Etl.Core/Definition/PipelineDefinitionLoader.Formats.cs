using System.Text;
using YamlDotNet.RepresentationModel;

namespace Etl.Core.Definition;

/// <summary>The keys of the input formats: <c>format.type</c>, <c>format.encoding</c> and a column's <c>path</c>.</summary>
public static partial class PipelineDefinitionLoader
{
    private static TextEncoding? ParseEncoding(string text) =>
        text.Trim().ToLowerInvariant().Replace("_", "-", StringComparison.Ordinal) switch
        {
            "utf-8" or "utf8" => TextEncoding.Utf8,
            "latin1" or "latin-1" or "iso-8859-1" or "iso8859-1" => TextEncoding.Latin1,
            "windows-1252" or "cp1252" or "cp-1252" => TextEncoding.Windows1252,
            "utf-16" or "utf16" => TextEncoding.Utf16,
            "utf-16le" or "utf16le" or "utf-16-le" => TextEncoding.Utf16LittleEndian,
            "utf-16be" or "utf16be" or "utf-16-be" => TextEncoding.Utf16BigEndian,
            _ => null,
        };

    /// <summary>
    /// Parses <c>a.b.c</c>, <c>$.a.b</c> or <c>$['a b'].c</c> into its segments; null (with the problem) when it is not one.
    /// Array indexes are not supported: a column maps to one value per row.
    /// </summary>
    internal static IReadOnlyList<string>? ParseFieldPath(string text, out string? problem)
    {
        problem = null;
        var t = text.Trim();
        if (t.StartsWith('$'))
        {
            t = t[1..];
            if (t.StartsWith('.'))
            {
                t = t[1..];
            }
        }

        var segments = new List<string>();
        var i = 0;
        while (i < t.Length)
        {
            if (t[i] == '[')
            {
                if (i + 1 >= t.Length || t[i + 1] is not ('\'' or '"'))
                {
                    problem = "has an array index or an unquoted bracket; only object fields can be addressed";
                    return null;
                }

                var quote = t[i + 1];
                var close = t.IndexOf(quote, i + 2);
                if (close < 0 || close + 1 >= t.Length || t[close + 1] != ']')
                {
                    problem = "has a bracketed name that is not closed with a quote and ']'";
                    return null;
                }

                segments.Add(t[(i + 2)..close]);
                i = close + 2;
            }
            else
            {
                var end = i;
                while (end < t.Length && t[end] is not ('.' or '['))
                {
                    end++;
                }

                if (end == i)
                {
                    problem = "has an empty field name";
                    return null;
                }

                segments.Add(t[i..end]);
                i = end;
            }

            if (i < t.Length && t[i] == '.')
            {
                i++;
                if (i == t.Length)
                {
                    problem = "ends with '.'";
                    return null;
                }
            }
        }

        if (segments.Count == 0)
        {
            problem = "names no field";
            return null;
        }

        return segments;
    }

    /// <summary>
    /// A column's <c>path</c> only means something for nested input, and one column's path may not run through another's
    /// value: the value at a path is either a column or an object holding columns.
    /// </summary>
    private static void CheckColumnPaths(InputFormat format, List<ColumnDefinition> columns, YamlMappingNode ds, Ctx ctx)
    {
        for (var c = 0; c < columns.Count; c++)
        {
            var path = columns[c].Path;
            if (path is null)
            {
                continue;
            }

            if (format == InputFormat.Csv)
            {
                ctx.Problem(ds, $"column '{columns[c].Name}' has a 'path', which applies to jsonl and parquet input; for csv use 'aliases' to map header names");
                continue;
            }

            for (var o = 0; o < columns.Count; o++)
            {
                var other = columns[o].Path ?? [columns[o].Name];
                if (o != c && other.Count > path.Count && StartsWith(other, path))
                {
                    ctx.Problem(ds, $"column '{columns[c].Name}' (path {Describe(path)}) is an object holding column '{columns[o].Name}' (path {Describe(other)}); a path must end at a value");
                }
            }
        }
    }

    private static bool StartsWith(IReadOnlyList<string> path, IReadOnlyList<string> prefix)
    {
        for (var i = 0; i < prefix.Count; i++)
        {
            if (!path[i].Equals(prefix[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(IReadOnlyList<string> path)
    {
        var sb = new StringBuilder();
        foreach (var s in path)
        {
            if (sb.Length > 0)
            {
                sb.Append('.');
            }

            sb.Append(s);
        }

        return sb.ToString();
    }
}
