using System.Globalization;
using Etl.Core.Enrichment.Expressions;
using YamlDotNet.RepresentationModel;

namespace Etl.Core.Enrichment.Definition;

/// <summary>
/// Reads a dataset's <c>transforms:</c> list from YamlDotNet's representation model into <see cref="TransformDefinition"/>
/// records. Every problem is added to a list as <c>file:line:column: what; what to write instead</c>, so the definition
/// loader can report them with its own. Column names, expressions and tables are checked later, when the chain is bound
/// to the dataset's schema and reference data (<see cref="TransformChainFactory"/>), still before any data is touched.
/// </summary>
public static class TransformDefinitionParser
{
    private static readonly string[] s_kinds = ["derive", "convert_currency", "lookup", "late_rows", "code"];

    /// <summary>Parses the node under <c>transforms:</c>; returns what could be read, adding problems to <paramref name="problems"/>.</summary>
    public static IReadOnlyList<TransformDefinition> Parse(YamlNode? node, string path, IList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var result = new List<TransformDefinition>();
        if (node is null)
        {
            return result;
        }

        var ctx = new Ctx(path, problems);
        if (node is not YamlSequenceNode seq)
        {
            ctx.Problem(node, "'transforms' must be a list, e.g. '- derive: { revenue: units_sold * unit_price }'");
            return result;
        }

        foreach (var item in seq)
        {
            if (item is not YamlMappingNode map || map.Children.Count != 1 || map.Children.First().Key is not YamlScalarNode { Value: { } kind })
            {
                ctx.Problem(item, $"each transform is one of {string.Join(", ", s_kinds)} with its settings, e.g. '- derive: {{ revenue: units_sold * unit_price }}'");
                continue;
            }

            var body = map.Children.First().Value;
            var at = ctx.At(item);
            TransformDefinition? parsed = kind switch
            {
                "derive" => Derive(body, at, ctx),
                "convert_currency" => Currency(body, at, ctx),
                "lookup" => Lookup(body, at, ctx),
                "late_rows" => LateRows(body, at, ctx),
                "code" => Code(body, at, ctx),
                _ => null,
            };
            if (parsed is null && !s_kinds.Contains(kind))
            {
                ctx.Problem(map.Children.First().Key, $"unknown transform '{kind}'; write one of {string.Join(", ", s_kinds)}");
            }

            if (parsed is not null)
            {
                result.Add(parsed);
            }
        }

        return result;
    }

    private static DeriveDefinition? Derive(YamlNode body, SourceLocation at, Ctx ctx)
    {
        if (body is not YamlMappingNode map || map.Children.Count == 0)
        {
            ctx.Problem(body, "derive needs a mapping of column: expression, e.g. 'revenue: units_sold * unit_price'");
            return null;
        }

        var columns = new List<DerivedColumnDefinition>();
        foreach (var (k, v) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value;
            if (string.IsNullOrWhiteSpace(name))
            {
                ctx.Problem(k, "a derived column needs a name");
                continue;
            }

            switch (v)
            {
                case YamlScalarNode { Value: { Length: > 0 } expr }:
                    columns.Add(new DerivedColumnDefinition(ctx.At(v), name, expr));
                    break;
                case YamlMappingNode m:
                    ctx.Known(m, "expr", "type");
                    var e = ctx.String(m, "expr");
                    var type = ctx.String(m, "type");
                    if (e is null)
                    {
                        ctx.Problem(m, $"derived column '{name}' needs 'expr', e.g. {{ expr: \"units_sold * unit_price\", type: \"decimal(18,2)\" }}");
                    }
                    else if (type is not null && !ExprType.TryParse(type, out _))
                    {
                        ctx.Problem(Ctx.Get(m, "type")!, $"type '{type}' is unknown; write int32, int64, double, decimal(p,s), string, date, timestamp or boolean");
                    }
                    else
                    {
                        columns.Add(new DerivedColumnDefinition(ctx.At(Ctx.Get(m, "expr")!), name, e, type));
                    }

                    break;
                default:
                    ctx.Problem(v, $"derived column '{name}' needs an expression, e.g. '{name}: units_sold * unit_price'");
                    break;
            }
        }

        return new DeriveDefinition(at, columns);
    }

    private static ConvertCurrencyDefinition? Currency(YamlNode body, SourceLocation at, Ctx ctx)
    {
        if (body is not YamlMappingNode m)
        {
            ctx.Problem(body, "convert_currency needs rates, amounts, date and one of currency_column, currency or currency_by");
            return null;
        }

        ctx.Known(m, "rates", "amounts", "date", "currency_column", "currency", "currency_by", "currencies", "scale", "precision");
        var rates = ctx.Required(m, "rates", "the lake key of the rate table, e.g. 'rates: reference/currency/rates.csv'");
        var date = ctx.Required(m, "date", "the date column that picks the rate, e.g. 'date: order_date'");
        var amounts = ctx.StringList(m, "amounts", "the amount columns, e.g. 'amounts: [unit_price, total_revenue]'");
        var column = ctx.String(m, "currency_column");
        var fixedCode = ctx.String(m, "currency");
        var by = ctx.String(m, "currency_by");
        var map = ctx.StringMap(m, "currencies");
        var set = (column is null ? 0 : 1) + (fixedCode is null ? 0 : 1) + (by is null ? 0 : 1);
        if (set != 1)
        {
            ctx.Problem(m, "say where the currency comes from with exactly one of 'currency_column: <column>', 'currency: <code>' or 'currency_by: <capture or column>' with 'currencies: { value: code }'");
        }

        if (by is not null && map is null)
        {
            ctx.Problem(m, $"'currency_by: {by}' needs 'currencies:' mapping each {by} to a currency code, e.g. 'currencies: {{ acme: EUR }}'");
        }

        var scale = ctx.Int(m, "scale", 2, 0, 38);
        var precision = ctx.Int(m, "precision", 18, 1, 38);
        if (scale > precision)
        {
            ctx.Problem(m, $"scale {scale} is larger than precision {precision}");
        }

        if (rates is null || date is null || amounts is null || set != 1)
        {
            return null;
        }

        return new ConvertCurrencyDefinition(at, rates, amounts, new CurrencySource(column, fixedCode, by, map), date, scale, precision);
    }

    private static LookupDefinition? Lookup(YamlNode body, SourceLocation at, Ctx ctx)
    {
        if (body is not YamlMappingNode m)
        {
            ctx.Problem(body, "lookup needs table, key and columns");
            return null;
        }

        ctx.Known(m, "name", "table", "key", "table_key", "columns", "on_missing", "max_rows");
        var table = ctx.Required(m, "table", "the lake key of the reference CSV, e.g. 'table: reference/stores.csv'");
        var key = ctx.Required(m, "key", "the column to join on, e.g. 'key: store_id'");
        var name = ctx.String(m, "name") ?? (table is null ? "lookup" : Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(table)));
        var tableKey = ctx.String(m, "table_key") ?? key;
        var onMissing = ctx.String(m, "on_missing") switch
        {
            null or "reject" => RowAction.Reject,
            "keep" or "keep_with_nulls" => RowAction.KeepWithNulls,
            _ => Bad(ctx, Ctx.Get(m, "on_missing")!, "on_missing must be 'reject' or 'keep'"),
        };
        var maxRows = ctx.Int(m, "max_rows", 1_000_000, 1, 100_000_000);
        var columns = new List<LookupColumn>();
        switch (Ctx.Get(m, "columns"))
        {
            case YamlMappingNode cm:
                foreach (var (k, v) in cm.Children)
                {
                    var source = ((YamlScalarNode)k).Value ?? "";
                    switch (v)
                    {
                        case YamlScalarNode s:
                            columns.Add(new LookupColumn(source, string.IsNullOrEmpty(s.Value) ? source : s.Value));
                            break;
                        case YamlMappingNode vm:
                            ctx.Known(vm, "as", "type");
                            var type = ctx.String(vm, "type") ?? "string";
                            if (!ExprType.TryParse(type, out _))
                            {
                                ctx.Problem(Ctx.Get(vm, "type")!, $"type '{type}' is unknown; write string, int32, int64, double, decimal(p,s), date, timestamp or boolean");
                            }

                            columns.Add(new LookupColumn(source, ctx.String(vm, "as") ?? source, type));
                            break;
                        default:
                            ctx.Problem(v, $"column '{source}': write the output name, or {{ as: <name>, type: <type> }}");
                            break;
                    }
                }

                break;
            case YamlSequenceNode cs:
                foreach (var c in cs)
                {
                    if (c is YamlScalarNode { Value: { Length: > 0 } s })
                    {
                        columns.Add(new LookupColumn(s, s));
                    }
                    else
                    {
                        ctx.Problem(c, "each lookup column is a table column name");
                    }
                }

                break;
            default:
                ctx.Problem(m, "lookup needs 'columns': the table columns to add, e.g. 'columns: [region, category]' or 'columns: { region: store_region }'");
                break;
        }

        if (table is null || key is null || columns.Count == 0)
        {
            return null;
        }

        return new LookupDefinition(at, name, table, key, tableKey!, columns, onMissing, maxRows);
    }

    private static LateRowsDefinition? LateRows(YamlNode body, SourceLocation at, Ctx ctx)
    {
        if (body is not YamlMappingNode m)
        {
            ctx.Problem(body, "late_rows needs date (and usually key), e.g. '{ date: order_date, key: partner }'");
            return null;
        }

        ctx.Known(m, "date", "key", "action");
        var date = ctx.Required(m, "date", "the row's date column, e.g. 'date: order_date'");
        var action = ctx.String(m, "action") switch
        {
            null or "filter" => RowAction.Filter,
            "reject" => RowAction.Reject,
            _ => Bad(ctx, Ctx.Get(m, "action")!, "action must be 'filter' or 'reject'"),
        };
        return date is null ? null : new LateRowsDefinition(at, date, ctx.String(m, "key"), action);
    }

    private static CodeTransformDefinition? Code(YamlNode body, SourceLocation at, Ctx ctx)
    {
        switch (body)
        {
            case YamlScalarNode { Value: { Length: > 0 } name }:
                return new CodeTransformDefinition(at, name, new Dictionary<string, string>());
            case YamlMappingNode m:
                ctx.Known(m, "name", "options");
                var n = ctx.Required(m, "name", "the registered transform name, e.g. 'name: dozens_to_units'");
                var options = ctx.StringMap(m, "options") ?? new Dictionary<string, string>();
                return n is null ? null : new CodeTransformDefinition(at, n, options);
            default:
                ctx.Problem(body, "code needs the registered transform name, e.g. '- code: { name: dozens_to_units, options: { columns: units_sold } }'");
                return null;
        }
    }

    private static RowAction Bad(Ctx ctx, YamlNode node, string message)
    {
        ctx.Problem(node, message);
        return RowAction.Reject;
    }

    private sealed class Ctx(string path, IList<string> problems)
    {
        public SourceLocation At(YamlNode node) => new(path, (int)node.Start.Line, (int)node.Start.Column);

        public void Problem(YamlNode node, string message) => problems.Add($"{path}:{node.Start.Line}:{node.Start.Column}: {message}");

        public static YamlNode? Get(YamlMappingNode m, string key)
        {
            foreach (var (k, v) in m.Children)
            {
                if (k is YamlScalarNode s && s.Value == key)
                {
                    return v;
                }
            }

            return null;
        }

        public void Known(YamlMappingNode m, params string[] keys)
        {
            foreach (var k in m.Children.Keys)
            {
                if (k is YamlScalarNode s && !keys.Contains(s.Value))
                {
                    Problem(k, $"unknown setting '{s.Value}'; settings here are: {string.Join(", ", keys)}");
                }
            }
        }

        public string? String(YamlMappingNode m, string key)
        {
            var node = Get(m, key);
            if (node is null)
            {
                return null;
            }

            if (node is YamlScalarNode { Value: { Length: > 0 } v })
            {
                return v;
            }

            Problem(node, $"'{key}' must be a single value");
            return null;
        }

        public string? Required(YamlMappingNode m, string key, string what)
        {
            var v = String(m, key);
            if (v is null && Get(m, key) is null)
            {
                Problem(m, $"'{key}' is missing: {what}");
            }

            return v;
        }

        public int Int(YamlMappingNode m, string key, int fallback, int min, int max)
        {
            var v = String(m, key);
            if (v is null)
            {
                return fallback;
            }

            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var i) || i < min || i > max)
            {
                Problem(Get(m, key)!, $"'{key}' must be a whole number from {min} to {max}");
                return fallback;
            }

            return i;
        }

        public IReadOnlyList<string>? StringList(YamlMappingNode m, string key, string what)
        {
            switch (Get(m, key))
            {
                case null:
                    Problem(m, $"'{key}' is missing: {what}");
                    return null;
                case YamlScalarNode { Value: { Length: > 0 } one }:
                    return [one];
                case YamlSequenceNode seq:
                    var list = new List<string>();
                    foreach (var item in seq)
                    {
                        if (item is YamlScalarNode { Value: { Length: > 0 } s })
                        {
                            list.Add(s);
                        }
                        else
                        {
                            Problem(item, $"each entry of '{key}' is a column name");
                        }
                    }

                    return list;
                case var other:
                    Problem(other, $"'{key}' must be a list: {what}");
                    return null;
            }
        }

        public Dictionary<string, string>? StringMap(YamlMappingNode m, string key)
        {
            var node = Get(m, key);
            if (node is null)
            {
                return null;
            }

            if (node is not YamlMappingNode map)
            {
                Problem(node, $"'{key}' must be a mapping of name: value");
                return null;
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in map.Children)
            {
                if (k is YamlScalarNode { Value: { } name } && v is YamlScalarNode { Value: { } value })
                {
                    result[name] = value;
                }
                else
                {
                    Problem(v, $"each entry of '{key}' is name: value");
                }
            }

            return result;
        }
    }
}
