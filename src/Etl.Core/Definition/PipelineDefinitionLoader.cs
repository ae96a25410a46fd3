using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Etl.Core.Enrichment.Code;
using Etl.Core.Enrichment.Definition;
using Etl.Parquet;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Etl.Core.Definition;

/// <summary>
/// Loads pipeline.yaml into a <see cref="PipelineDefinition"/>, collecting every problem (with file, line and column and
/// what to write instead) before failing, so nothing touches data until the whole definition is right.
/// </summary>
public static partial class PipelineDefinitionLoader
{
    /// <summary>Loads and validates a definition file.</summary>
    /// <param name="path">The pipeline.yaml file.</param>
    /// <param name="codeTransforms">The code transforms <c>code:</c> steps may name; null for the built-in ones.</param>
    public static PipelineDefinition Load(string path, CodeTransformRegistry? codeTransforms = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new PipelineDefinitionException(full, [$"{full}: file not found. Create one with 'etl init <dir>' or pass --config <path to pipeline.yaml>."]);
        }

        return Parse(File.ReadAllText(full), full, codeTransforms);
    }

    /// <summary>Parses and validates definition text; <paramref name="path"/> is used in messages and to resolve a relative lake.</summary>
    /// <param name="yaml">The definition text.</param>
    /// <param name="path">Where it came from.</param>
    /// <param name="codeTransforms">The code transforms <c>code:</c> steps may name; null for the built-in ones.</param>
    public static PipelineDefinition Parse(string yaml, string path, CodeTransformRegistry? codeTransforms = null)
    {
        codeTransforms ??= CodeTransformRegistry.BuiltIn;
        var problems = new List<string>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new PipelineDefinitionException(path, [$"{path}:{ex.Start.Line}:{ex.Start.Column}: not valid YAML: {ex.InnerException?.Message ?? ex.Message}"]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new PipelineDefinitionException(path, [$"{path}:1:1: expected a mapping with 'pipeline', 'lake' and 'datasets'."]);
        }

        var ctx = new Ctx(path, problems);
        ctx.Known(root, "pipeline", "lake", "datasets", "options", "warehouse");
        var name = ctx.RequiredString(root, "pipeline", "a pipeline name, e.g. 'pipeline: retail-sales'") ?? "pipeline";
        if (!IdentifierRegex().IsMatch(name))
        {
            ctx.Problem(Get(root, "pipeline")!, $"pipeline name '{name}' must be letters, digits, '-' or '_'");
        }

        var lake = ctx.OptionalString(root, "lake") ?? "./lake";
        if (!lake.Contains("://", StringComparison.Ordinal) && !Path.IsPathRooted(lake))
        {
            lake = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path) ?? ".", lake));
        }

        var maxParallel = 2;
        var maxUncompressed = 20L * 1024 * 1024 * 1024;
        var compression = ParquetCompression.Snappy;
        var maxValue = 16L * 1024 * 1024;
        if (Get(root, "options") is YamlMappingNode options)
        {
            ctx.Known(options, "max_parallel_files", "compression", "max_uncompressed_bytes", "max_value_bytes");
            if (ctx.OptionalString(options, "max_value_bytes") is { } mv && (!TryParseSize(mv, out maxValue) || maxValue > int.MaxValue))
            {
                ctx.Problem(Get(options, "max_value_bytes")!, $"max_value_bytes '{mv}' must be a positive size up to 2GB such as 65536, 1MB or 16MB");
            }

            if (ctx.OptionalString(options, "max_uncompressed_bytes") is { } mu)
            {
                if (!TryParseSize(mu, out maxUncompressed))
                {
                    ctx.Problem(Get(options, "max_uncompressed_bytes")!, $"max_uncompressed_bytes '{mu}' must be a positive size such as 500000, 512MB or 20GB");
                }
            }

            if (ctx.OptionalString(options, "max_parallel_files") is { } mp)
            {
                if (!int.TryParse(mp, CultureInfo.InvariantCulture, out maxParallel) || maxParallel is < 1 or > 64)
                {
                    ctx.Problem(Get(options, "max_parallel_files")!, "max_parallel_files must be a whole number from 1 to 64");
                }
            }

            switch (ctx.OptionalString(options, "compression")?.ToUpperInvariant())
            {
                case null or "SNAPPY": break;
                case "GZIP": compression = ParquetCompression.Gzip; break;
                case "NONE" or "UNCOMPRESSED": compression = ParquetCompression.Uncompressed; break;
                default: ctx.Problem(Get(options, "compression")!, "compression must be snappy, gzip or none"); break;
            }
        }

        var datasets = new List<DatasetDefinition>();
        if (Get(root, "datasets") is YamlSequenceNode seq)
        {
            foreach (var node in seq)
            {
                if (node is YamlMappingNode ds)
                {
                    if (ParseDataset(ds, ctx, codeTransforms, compression) is { } d)
                    {
                        if (datasets.Exists(x => x.Name == d.Name))
                        {
                            ctx.Problem(ds, $"dataset '{d.Name}' is defined twice; give each dataset its own name");
                        }

                        datasets.Add(d);
                    }
                }
                else
                {
                    ctx.Problem(node, "each dataset is a mapping with name, match, columns");
                }
            }
        }
        else
        {
            ctx.Problem(root, "'datasets' is missing or not a list; add 'datasets:' with at least one '- name: ...' entry");
        }

        if (problems.Count > 0)
        {
            throw new PipelineDefinitionException(path, problems);
        }

        return new PipelineDefinition
        {
            Name = name,
            Lake = lake,
            SourcePath = path,
            Datasets = datasets,
            MaxParallelFiles = maxParallel,
            MaxUncompressedBytes = maxUncompressed,
            MaxValueBytes = maxValue,
            Compression = compression,
            Version = Hash(string.Join(",", datasets.Select(d => d.Name + "=" + d.Version))),
            CodeTransforms = codeTransforms,
        };
    }

    private static DatasetDefinition? ParseDataset(YamlMappingNode ds, Ctx ctx, CodeTransformRegistry codeTransforms, ParquetCompression compression)
    {
        ctx.Known(ds, "name", "match", "format", "columns", "extra_columns", "partition_by", "on_bad_rows", "transforms", "max_rejects", "max_reject_ratio", "source");
        var name = ctx.RequiredString(ds, "name", "a dataset name, e.g. 'name: partner_sales'");
        var match = ctx.RequiredString(ds, "match", "a glob under landing/, e.g. 'match: \"landing/partners/{partner}/*.csv*\"'");
        if (name is not null && !IdentifierRegex().IsMatch(name))
        {
            ctx.Problem(Get(ds, "name")!, $"dataset name '{name}' must be letters, digits, '-' or '_'");
        }

        var delimiter = ',';
        var inputFormat = InputFormat.Csv;
        var encoding = TextEncoding.Utf8;
        if (Get(ds, "format") is YamlMappingNode format)
        {
            ctx.Known(format, "type", "delimiter", "header", "encoding");
            var type = ctx.OptionalString(format, "type") ?? "csv";
            switch (type.ToLowerInvariant())
            {
                case "csv": break;
                case "jsonl" or "ndjson" or "json_lines": inputFormat = InputFormat.Jsonl; break;
                case "parquet": inputFormat = InputFormat.Parquet; break;
                default:
                    ctx.Problem(Get(format, "type")!, $"format type '{type}' is not supported; use csv, jsonl or parquet (.gz and .zip are detected from the file name)");
                    break;
            }

            var d = ctx.OptionalString(format, "delimiter");
            if (d is not null)
            {
                if (d == "\\t")
                {
                    d = "\t";
                }

                if (inputFormat != InputFormat.Csv)
                {
                    ctx.Problem(Get(format, "delimiter")!, $"'delimiter' applies to csv; this dataset's format is {type}");
                }
                else if (d.Length != 1 || d[0] is '"' or '\n' or '\r')
                {
                    ctx.Problem(Get(format, "delimiter")!, "delimiter must be one character, e.g. ',' or ';' or '\\t'");
                }
                else
                {
                    delimiter = d[0];
                }
            }

            if (ctx.OptionalString(format, "header") is { } h && !h.Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                ctx.Problem(Get(format, "header")!, "files without a header row are not supported yet; set 'header: true'");
            }

            if (ctx.OptionalString(format, "encoding") is { } enc)
            {
                if (ParseEncoding(enc) is { } e)
                {
                    encoding = e;
                    if (inputFormat == InputFormat.Parquet && e != TextEncoding.Utf8)
                    {
                        ctx.Problem(Get(format, "encoding")!, "'encoding' applies to csv and jsonl; Parquet strings are always UTF-8");
                    }
                }
                else
                {
                    ctx.Problem(Get(format, "encoding")!, $"encoding '{enc}' is not supported; use utf-8, latin1 (iso-8859-1), windows-1252, utf-16, utf-16le or utf-16be");
                }
            }
        }

        var columns = new List<ColumnDefinition>();
        if (Get(ds, "columns") is YamlSequenceNode cols)
        {
            foreach (var c in cols)
            {
                if (c is YamlMappingNode cm && ParseColumn(cm, ctx) is { } col)
                {
                    if (columns.Exists(x => x.Name.Equals(col.Name, StringComparison.OrdinalIgnoreCase)))
                    {
                        ctx.Problem(cm, $"column '{col.Name}' is declared twice");
                    }

                    columns.Add(col);
                }
                else if (c is not YamlMappingNode)
                {
                    ctx.Problem(c, "each column is a mapping like '{ name: order_id, type: int64, required: true }'");
                }
            }
        }
        else
        {
            ctx.Problem(ds, $"dataset '{name}' has no 'columns' list; declare the columns to keep, e.g. '- {{ name: order_id, type: int64 }}'");
        }

        CheckColumnPaths(inputFormat, columns, ds, ctx);
        var extra = (ctx.OptionalString(ds, "extra_columns") ?? "rescue").ToLowerInvariant() switch
        {
            "rescue" => ExtraColumnsPolicy.Rescue,
            "drop" => ExtraColumnsPolicy.Drop,
            "reject_file" => ExtraColumnsPolicy.RejectFile,
            var v => Bad(ctx, Get(ds, "extra_columns")!, $"extra_columns '{v}' must be rescue, drop or reject_file", ExtraColumnsPolicy.Rescue),
        };
        var onBad = (ctx.OptionalString(ds, "on_bad_rows") ?? "reject").ToLowerInvariant() switch
        {
            "reject" => BadRowsPolicy.Reject,
            "fail_file" => BadRowsPolicy.FailFile,
            var v => Bad(ctx, Get(ds, "on_bad_rows")!, $"on_bad_rows '{v}' must be reject or fail_file", BadRowsPolicy.Reject),
        };
        var (maxRejects, maxRejectRatio) = ParseRejectLimits(ds, ctx);

        var captures = new List<string>();
        Regex? regex = null;
        if (match is not null)
        {
            regex = CompileGlob(match, captures, out var globProblem);
            if (globProblem is not null)
            {
                ctx.Problem(Get(ds, "match")!, globProblem);
            }
            else if (!match.StartsWith("landing/", StringComparison.Ordinal))
            {
                ctx.Problem(Get(ds, "match")!, $"match '{match}' must start with 'landing/' (files are picked up from the landing zone)");
            }
        }

        var partitions = new List<PartitionKey>();
        if (Get(ds, "partition_by") is YamlSequenceNode parts)
        {
            foreach (var p in parts)
            {
                var text = (p as YamlScalarNode)?.Value?.Trim() ?? "";
                var key = ParsePartition(text, columns, captures, out var problem);
                if (key is null)
                {
                    ctx.Problem(p, problem!);
                }
                else
                {
                    partitions.Add(key);
                }
            }
        }

        var transforms = TransformDefinitionParser.Parse(Get(ds, "transforms"), ctx.Path, ctx.Problems);
        var codeVersions = new List<string>();
        foreach (var code in transforms.OfType<CodeTransformDefinition>())
        {
            if (codeTransforms.Find(code.Name) is { } t)
            {
                codeVersions.Add($"{t.Name}@{t.Version}");
            }
            else
            {
                ctx.Problems.Add($"{code.Location}: no code transform named '{code.Name}'; registered: {(codeTransforms.Names.Count == 0 ? "none" : string.Join(", ", codeTransforms.Names))}");
            }
        }

        var source = Get(ds, "source") is { } sourceNode && match is not null ? ParseSource(sourceNode, match, ctx) : null;
        if (source is PostgresSourceDefinition pg && regex is not null)
        {
            if (inputFormat != InputFormat.Parquet)
            {
                ctx.Problem(Get(ds, "source")!, "a postgres source lands its extracts as Parquet; set 'format: { type: parquet }' on this dataset");
            }

            if (!regex.IsMatch(pg.Landing + "20260101T000000000Z.parquet"))
            {
                ctx.Problem(Get(ds, "source")!, $"extracts land as {pg.Landing}<extract id>.parquet, which match '{match}' does not take; use e.g. 'match: \"{pg.Landing}*.parquet\"' or set source.landing");
            }
        }

        if (name is null || match is null || regex is null)
        {
            return null;
        }

        // The dataset's version: its normalised definition, the output compression and the versions of the code
        // transforms it names. Run-time options (parallelism, limits), the lake and the warehouse section are not in it,
        // so changing them reprocesses nothing; changing this dataset reprocesses only this dataset's files.
        // Where the files come from (source:) is not what is computed from them: changing a header or the schedule
        // reprocesses nothing, and a changed file is reprocessed anyway because its version changes.
        var canonical = new StringBuilder();
        Canonical(WithoutKey(ds, "source"), canonical);
        canonical.Append("|compression=").Append(compression).Append("|code=").AppendJoin(',', codeVersions);

        return new DatasetDefinition
        {
            Version = Hash(canonical.ToString()),
            Transforms = transforms,
            Name = name,
            Match = match,
            MatchRegex = regex,
            Captures = captures,
            Delimiter = delimiter,
            Format = inputFormat,
            Encoding = encoding,
            Columns = columns,
            ExtraColumns = extra,
            OnBadRows = onBad,
            MaxRejects = maxRejects,
            MaxRejectRatio = maxRejectRatio,
            PartitionBy = partitions,
            Source = source,
        };
    }

    /// <summary>max_rejects (a count, or 'none') and max_reject_ratio (0..1, or a percentage such as 5%).</summary>
    private static (long? Count, double? Ratio) ParseRejectLimits(YamlMappingNode ds, Ctx ctx)
    {
        long? count = DatasetDefinition.DefaultMaxRejects;
        if (ctx.OptionalString(ds, "max_rejects") is { } mr)
        {
            if (mr.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                count = null;
            }
            else if (long.TryParse(mr, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                count = n;
            }
            else
            {
                ctx.Problem(Get(ds, "max_rejects")!, $"max_rejects '{mr}' must be a whole number of rows (0 quarantines a file at its first bad row) or none");
            }
        }

        double? ratio = null;
        if (ctx.OptionalString(ds, "max_reject_ratio") is { } rr && !rr.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            var percent = rr.EndsWith('%');
            if (double.TryParse(percent ? rr[..^1] : rr, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var r)
                && (percent ? r / 100 : r) is var share and >= 0 and <= 1)
            {
                ratio = share;
            }
            else
            {
                ctx.Problem(Get(ds, "max_reject_ratio")!, $"max_reject_ratio '{rr}' must be a share from 0 to 1 (e.g. 0.05) or a percentage (e.g. 5%), or none");
            }
        }

        return (count, ratio);
    }

    private static ColumnDefinition? ParseColumn(YamlMappingNode cm, Ctx ctx)
    {
        ctx.Known(cm, "name", "type", "required", "format", "aliases", "max_length", "path");
        var name = ctx.RequiredString(cm, "name", "a column name, e.g. 'name: order_id'");
        var typeText = ctx.RequiredString(cm, "type", "a type: string, int32, int64, decimal(p,s), double, bool, date or timestamp");
        var required = (ctx.OptionalString(cm, "required") ?? "false").Equals("true", StringComparison.OrdinalIgnoreCase);
        if (name is null || typeText is null)
        {
            return null;
        }

        if (!ColumnNameRegex().IsMatch(name))
        {
            ctx.Problem(Get(cm, "name")!, $"column name '{name}' must start with a letter or '_' and hold letters, digits and '_' (it becomes a Parquet column and a SQL identifier)");
        }

        var field = ParseType(name, typeText, !required);
        if (field is null)
        {
            ctx.Problem(Get(cm, "type")!, $"unknown type '{typeText}'; write one of string, int32, int64, decimal(p,s) with 1 <= p <= 38 and 0 <= s <= p, double, bool, date, timestamp");
            return null;
        }

        var format = ctx.OptionalString(cm, "format");
        if (format is not null && field.Type is not (ParquetType.Date or ParquetType.Timestamp))
        {
            ctx.Problem(Get(cm, "format")!, $"'format' applies to date and timestamp columns; '{name}' is {typeText}");
        }

        var aliases = new List<string>();
        if (Get(cm, "aliases") is YamlSequenceNode al)
        {
            aliases.AddRange(al.OfType<YamlScalarNode>().Select(a => a.Value ?? ""));
        }

        int? maxLength = null;
        if (ctx.OptionalString(cm, "max_length") is { } ml)
        {
            if (int.TryParse(ml, CultureInfo.InvariantCulture, out var m) && m > 0)
            {
                maxLength = m;
            }
            else
            {
                ctx.Problem(Get(cm, "max_length")!, "max_length must be a positive whole number");
            }
        }

        IReadOnlyList<string>? fieldPath = null;
        if (ctx.OptionalString(cm, "path") is { } pathText)
        {
            fieldPath = ParseFieldPath(pathText, out var pathProblem);
            if (fieldPath is null)
            {
                ctx.Problem(Get(cm, "path")!, $"path '{pathText}' {pathProblem}; write the nested field's names separated by dots, e.g. 'path: customer.address.city' (or \"$.customer['first name']\")");
            }
        }

        return new ColumnDefinition { Name = name, Field = field, Required = required, Format = format, Aliases = aliases, MaxLength = maxLength, Path = fieldPath };
    }

    internal static ParquetField? ParseType(string name, string text, bool nullable)
    {
        var t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "string" or "text" or "varchar": return new ParquetField(name, ParquetType.String, nullable);
            case "int" or "int32" or "integer": return new ParquetField(name, ParquetType.Int32, nullable);
            case "long" or "int64" or "bigint": return new ParquetField(name, ParquetType.Int64, nullable);
            case "double" or "float64": return new ParquetField(name, ParquetType.Double, nullable);
            case "bool" or "boolean": return new ParquetField(name, ParquetType.Boolean, nullable);
            case "date": return new ParquetField(name, ParquetType.Date, nullable);
            case "timestamp": return ParquetField.Timestamp(name, true, nullable);
        }

        var m = DecimalRegex().Match(t);
        if (m.Success)
        {
            var p = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var s = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (p is >= 1 and <= 38 && s >= 0 && s <= p)
            {
                return ParquetField.Decimal(name, p, s, nullable);
            }
        }

        return null;
    }

    private static PartitionKey? ParsePartition(string text, List<ColumnDefinition> columns, List<string> captures, out string? problem)
    {
        problem = null;
        var m = FunctionRegex().Match(text);
        if (m.Success)
        {
            var fn = m.Groups[1].Value.ToLowerInvariant();
            var col = m.Groups[2].Value;
            var index = columns.FindIndex(c => c.Name.Equals(col, StringComparison.OrdinalIgnoreCase));
            if (index < 0 || columns[index].Field.Type is not (ParquetType.Date or ParquetType.Timestamp))
            {
                problem = $"partition '{text}': {fn}() needs a date or timestamp column declared in 'columns'";
                return null;
            }

            var source = fn switch { "year" => PartitionSource.Year, "month" => PartitionSource.Month, _ => PartitionSource.Day };
            return new PartitionKey(fn, source, index, null);
        }

        if (captures.Contains(text))
        {
            return new PartitionKey(text, PartitionSource.Capture, -1, text);
        }

        var ci = columns.FindIndex(c => c.Name.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (ci >= 0)
        {
            return new PartitionKey(columns[ci].Name, PartitionSource.Column, ci, null);
        }

        problem = $"partition '{text}' is neither a declared column, a {{capture}} of 'match', nor year(col)/month(col)/day(col)";
        return null;
    }

    internal static Regex CompileGlob(string glob, List<string> captures, out string? problem)
    {
        problem = null;
        var sb = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '{')
            {
                var close = glob.IndexOf('}', i);
                var capture = close > i ? glob[(i + 1)..close] : "";
                if (!IdentifierRegex().IsMatch(capture) || capture.Contains('-', StringComparison.Ordinal))
                {
                    problem = $"match '{glob}': '{{...}}' must name a capture with letters, digits and '_', e.g. '{{partner}}'";
                    return new Regex("^$");
                }

                captures.Add(capture);
                sb.Append("(?<").Append(capture).Append(">[^/]+)");
                i = close;
            }
            else if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                sb.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    // The normalised definition is the YAML tree re-serialised with keys in order, so reformatting the file or
    // reordering keys does not reprocess anything, while any change to what is computed does.
    private static string Hash(string canonical) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)).AsSpan(0, 8));

    private static void Canonical(YamlNode node, StringBuilder sb)
    {
        switch (node)
        {
            case YamlScalarNode s:
                sb.Append('"').Append(s.Value).Append('"');
                break;
            case YamlSequenceNode q:
                sb.Append('[');
                foreach (var n in q)
                {
                    Canonical(n, sb);
                    sb.Append(',');
                }

                sb.Append(']');
                break;
            case YamlMappingNode m:
                sb.Append('{');
                foreach (var kv in m.Children.OrderBy(k => ((YamlScalarNode)k.Key).Value, StringComparer.Ordinal))
                {
                    var key = ((YamlScalarNode)kv.Key).Value;
                    sb.Append(key).Append(':');
                    Canonical(kv.Value, sb);
                    sb.Append(',');
                }

                sb.Append('}');
                break;
        }
    }

    private static bool TryParseSize(string text, out long bytes)
    {
        var t = text.Trim().ToUpperInvariant();
        long unit = 1;
        foreach (var (suffix, size) in new[] { ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10), ("B", 1L) })
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                unit = size;
                t = t[..^suffix.Length].TrimEnd();
                break;
            }
        }

        bytes = 0;
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 || n > long.MaxValue / unit)
        {
            return false;
        }

        bytes = n * unit;
        return true;
    }

    private static T Bad<T>(Ctx ctx, YamlNode node, string message, T fallback)
    {
        ctx.Problem(node, message);
        return fallback;
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex IdentifierRegex();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex ColumnNameRegex();

    [GeneratedRegex(@"^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$")]
    private static partial Regex DecimalRegex();

    [GeneratedRegex(@"^(year|month|day)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$", RegexOptions.IgnoreCase)]
    private static partial Regex FunctionRegex();

    private sealed class Ctx(string path, List<string> problems)
    {
        public string Path => path;

        public List<string> Problems => problems;

        public void Problem(YamlNode node, string message) =>
            problems.Add($"{path}:{node.Start.Line}:{node.Start.Column}: {message}");

        public void Known(YamlMappingNode map, params string[] keys)
        {
            foreach (var k in map.Children.Keys)
            {
                var name = (k as YamlScalarNode)?.Value ?? "";
                if (Array.IndexOf(keys, name) < 0)
                {
                    Problem(k, $"unknown key '{name}'; expected one of: {string.Join(", ", keys)}");
                }
            }
        }

        public string? RequiredString(YamlMappingNode map, string key, string what)
        {
            var v = OptionalString(map, key);
            if (string.IsNullOrWhiteSpace(v))
            {
                Problem(map, $"'{key}' is missing; add {what}");
                return null;
            }

            return v;
        }

        public string? OptionalString(YamlMappingNode map, string key)
        {
            var node = Get(map, key);
            if (node is null)
            {
                return null;
            }

            if (node is YamlScalarNode s)
            {
                return s.Value;
            }

            Problem(node, $"'{key}' must be a single value, not a list or mapping");
            return null;
        }
    }
}
