using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Etl.Core.Definition;

/// <summary>A dataset's <c>source:</c> key: files the pipeline fetches itself.</summary>
public static partial class PipelineDefinitionLoader
{
    private static SourceDefinition? ParseSource(YamlNode node, string match, Ctx ctx)
    {
        if (node is not YamlMappingNode map)
        {
            ctx.Problem(node, "'source' is a mapping, e.g. 'source: { url: https://example.com/data.zip }'");
            return null;
        }

        if (Get(map, "url") is not null)
        {
            return ParseUrlSource(map, match, ctx);
        }

        if (Get(map, "postgres") is not null)
        {
            return ParsePostgresSource(map, match, ctx);
        }

        ctx.Problem(map, "'source' needs 'url' (an HTTP(S) file fetched into landing/) or 'postgres' (a table extracted incrementally)");
        return null;
    }

    private static UrlSourceDefinition? ParseUrlSource(YamlMappingNode map, string match, Ctx ctx)
    {
        ctx.Known(map, "url", "landing", "file_name", "schedule", "headers", "auth", "max_bytes", "unzip", "attempts", "timeout");
        var text = ctx.OptionalString(map, "url") ?? "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0)
        {
            ctx.Problem(Get(map, "url")!, $"url '{(Uri.TryCreate(text, UriKind.Absolute, out var shown) && shown.UserInfo.Length > 0 ? "(with credentials)" : text)}' must be an http:// or https:// URL without credentials in it (put a token in 'auth: {{ header: Authorization, env: VAR }}')");
            return null;
        }

        var landing = LandingOf(map, match, ctx);
        var fileName = ctx.OptionalString(map, "file_name") ?? Uri.UnescapeDataString(url.AbsolutePath[(url.AbsolutePath.LastIndexOf('/') + 1)..]);
        if (fileName.Length == 0 || fileName.Contains('/', StringComparison.Ordinal) || fileName.Contains('\\', StringComparison.Ordinal) || fileName.Contains("..", StringComparison.Ordinal))
        {
            ctx.Problem(map, $"the URL's path names no file; add 'file_name: data.csv' (one path segment) to say what the landed file is called");
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (Get(map, "headers") is YamlMappingNode h)
        {
            foreach (var (k, v) in h.Children)
            {
                var name = (k as YamlScalarNode)?.Value ?? "";
                if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
                {
                    ctx.Problem(k, $"header '{name}' would put a secret in the definition; use 'auth: {{ header: {name}, env: SOME_VARIABLE }}'");
                    continue;
                }

                headers[name] = (v as YamlScalarNode)?.Value ?? "";
            }
        }

        string? secretHeader = null, secretEnv = null;
        if (Get(map, "auth") is YamlMappingNode auth)
        {
            ctx.Known(auth, "header", "env");
            secretHeader = ctx.OptionalString(auth, "header") ?? "Authorization";
            secretEnv = ctx.RequiredString(auth, "env", "the environment variable holding the header's value, e.g. 'env: SALES_TOKEN'");
        }

        var maxBytes = 10L << 30;
        if (ctx.OptionalString(map, "max_bytes") is { } mb && !TryParseSize(mb, out maxBytes))
        {
            ctx.Problem(Get(map, "max_bytes")!, $"max_bytes '{mb}' must be a positive size such as 500MB or 2GB");
        }

        var attempts = 4;
        if (ctx.OptionalString(map, "attempts") is { } at && (!int.TryParse(at, CultureInfo.InvariantCulture, out attempts) || attempts is < 1 or > 20))
        {
            ctx.Problem(Get(map, "attempts")!, "attempts must be a whole number from 1 to 20");
        }

        var timeout = TimeSpan.FromMinutes(30);
        if (ctx.OptionalString(map, "timeout") is { } to && ParseDuration(to) is not { } parsedTimeout)
        {
            ctx.Problem(Get(map, "timeout")!, $"timeout '{to}' must be a duration such as 90s, 10m or 1h");
        }
        else if (ctx.OptionalString(map, "timeout") is not null)
        {
            timeout = ParseDuration(ctx.OptionalString(map, "timeout")!)!.Value;
        }

        var unzip = (ctx.OptionalString(map, "unzip") ?? (fileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? "true" : "false")).Equals("true", StringComparison.OrdinalIgnoreCase);
        return new UrlSourceDefinition
        {
            Url = url,
            Landing = landing,
            FileName = fileName,
            Every = ParseSchedule(map, ctx),
            Headers = headers,
            SecretHeader = secretHeader,
            SecretEnv = secretEnv,
            MaxBytes = maxBytes,
            Attempts = attempts,
            Timeout = timeout,
            Unzip = unzip,
        };
    }

    private static PostgresSourceDefinition? ParsePostgresSource(YamlMappingNode map, string match, Ctx ctx)
    {
        ctx.Known(map, "postgres", "table", "watermark", "key", "columns", "lag", "page_rows", "landing", "schedule");
        var env = ctx.OptionalString(map, "postgres") ?? "";
        if (!EnvironmentVariableRegex().IsMatch(env))
        {
            // Never echo the value: it may be a connection string with a password in it.
            ctx.Problem(Get(map, "postgres")!, "'postgres' names the environment variable that holds the Npgsql connection string (e.g. 'postgres: OLTP_DATABASE'), not the connection string itself");
        }

        var tableText = ctx.RequiredString(map, "table", "the table to extract, e.g. 'table: public.sales'") ?? "";
        var parts = tableText.Split('.');
        var (schema, table) = parts.Length == 2 ? (parts[0], parts[1]) : ("public", parts[0]);
        if (parts.Length > 2 || !SqlNameRegex().IsMatch(schema) || !SqlNameRegex().IsMatch(table))
        {
            ctx.Problem(Get(map, "table") ?? map, $"table '{tableText}' must be 'name' or 'schema.name' (letters, digits, '_', '$')");
        }

        var watermark = ctx.RequiredString(map, "watermark", "the column every insert and update sets, e.g. 'watermark: updated_at' (or an increasing id)") ?? "";
        if (watermark.Length > 0 && !SqlNameRegex().IsMatch(watermark))
        {
            ctx.Problem(Get(map, "watermark")!, $"watermark '{watermark}' must be a column name (letters, digits, '_', '$')");
        }

        var key = SqlNames(map, "key", ctx);
        var columns = SqlNames(map, "columns", ctx);
        TimeSpan? lagTime = null;
        long? lagIds = null;
        if (ctx.OptionalString(map, "lag") is { } lag)
        {
            if (long.TryParse(lag.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ids))
            {
                lagIds = ids;
            }
            else if (ParseDuration(lag) is { } d)
            {
                lagTime = d;
            }
            else
            {
                ctx.Problem(Get(map, "lag")!, $"lag '{lag}' must be a duration such as 5m or 1h (a time watermark), or a whole number of ids (an integer watermark)");
            }
        }

        var pageRows = 10_000;
        if (ctx.OptionalString(map, "page_rows") is { } pr && (!int.TryParse(pr, NumberStyles.None, CultureInfo.InvariantCulture, out pageRows) || pageRows is < 1 or > 1_000_000))
        {
            ctx.Problem(Get(map, "page_rows")!, "page_rows must be a whole number from 1 to 1000000");
        }

        var landing = LandingOf(map, match, ctx);
        return new PostgresSourceDefinition
        {
            ConnectionEnv = env,
            Schema = schema,
            Table = table,
            WatermarkColumn = watermark,
            Key = key,
            Columns = columns,
            LagTime = lagTime,
            LagIds = lagIds,
            PageRows = pageRows,
            Landing = landing,
            Every = ParseSchedule(map, ctx),
        };
    }

    private static List<string> SqlNames(YamlMappingNode map, string key, Ctx ctx)
    {
        var names = new List<string>();
        switch (Get(map, key))
        {
            case null:
                break;
            case YamlSequenceNode seq:
                foreach (var item in seq)
                {
                    if (item is YamlScalarNode { Value: { } v } && SqlNameRegex().IsMatch(v))
                    {
                        names.Add(v);
                    }
                    else
                    {
                        ctx.Problem(item, $"each item of '{key}' is a column name (letters, digits, '_', '$')");
                    }
                }

                break;
            case YamlScalarNode { Value: { } one } when SqlNameRegex().IsMatch(one):
                names.Add(one);
                break;
            case var other:
                ctx.Problem(other, $"'{key}' is a list of column names, e.g. '{key}: [id]'");
                break;
        }

        return names;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial System.Text.RegularExpressions.Regex EnvironmentVariableRegex();

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z_][A-Za-z0-9_$]{0,62}$")]
    private static partial System.Text.RegularExpressions.Regex SqlNameRegex();

    /// <summary>The landing prefix: as written, or the literal folder of 'match' before its first wildcard.</summary>
    private static string LandingOf(YamlMappingNode map, string match, Ctx ctx)
    {
        if (ctx.OptionalString(map, "landing") is { } written)
        {
            var landing = written.EndsWith('/') ? written : written + "/";
            if (!landing.StartsWith("landing/", StringComparison.Ordinal) || landing.Contains("..", StringComparison.Ordinal) || landing.IndexOfAny(['*', '?', '{']) >= 0)
            {
                ctx.Problem(Get(map, "landing")!, $"landing '{written}' must be a folder under landing/ without wildcards, e.g. 'landing/sales/'");
            }

            return landing;
        }

        var wildcard = match.IndexOfAny(['*', '?', '{']);
        var literal = wildcard < 0 ? match : match[..wildcard];
        return literal[..(literal.LastIndexOf('/') + 1)];
    }

    private static TimeSpan? ParseSchedule(YamlMappingNode map, Ctx ctx)
    {
        if (ctx.OptionalString(map, "schedule") is not { } text)
        {
            return null;
        }

        var t = text.Trim();
        if (t.StartsWith("every ", StringComparison.OrdinalIgnoreCase))
        {
            t = t["every ".Length..];
        }

        if (ParseDuration(t) is { } every)
        {
            return every;
        }

        ctx.Problem(Get(map, "schedule")!, $"schedule '{text}' must be an interval such as 'every 15m', 'every 6h' or 'every 1d' (the file is fetched at most that often; without it, on every run)");
        return null;
    }

    private static TimeSpan? ParseDuration(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t.Length < 2 || !long.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 || n > 100_000)
        {
            return null;
        }

        return t[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => null,
        };
    }

    private static YamlMappingNode WithoutKey(YamlMappingNode map, string key)
    {
        var copy = new YamlMappingNode();
        foreach (var (k, v) in map.Children)
        {
            if ((k as YamlScalarNode)?.Value != key)
            {
                copy.Add(k, v);
            }
        }

        return copy;
    }
}
