using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Etl.Warehouse;

/// <summary>
/// The <c>warehouse:</c> section of a pipeline definition: where the warehouse is, which datasets load into which
/// star schema, and the folder of SQL models.
/// </summary>
/// <param name="ConnectionEnvironmentVariable">The environment variable holding the Npgsql connection string (never the string itself in the file).</param>
/// <param name="ModelsFolder">Full path of the SQL models folder, or null.</param>
/// <param name="Datasets">One star schema per loaded dataset.</param>
public sealed record WarehouseDefinition(string ConnectionEnvironmentVariable, string? ModelsFolder, IReadOnlyList<WarehouseDataset> Datasets)
{
    /// <summary>The options to connect with: the connection string from <see cref="ConnectionEnvironmentVariable"/>.</summary>
    public WarehouseOptions Options() => new() { ConnectionString = Environment.GetEnvironmentVariable(ConnectionEnvironmentVariable) is { Length: > 0 } cs ? cs : null };

    /// <summary>
    /// Reads the <c>warehouse:</c> section of the pipeline YAML at <paramref name="path"/>; null when there is none.
    /// Every problem is reported together as <c>file:line:column: what; the fix</c>, before anything touches the database.
    /// </summary>
    /// <exception cref="WarehouseConfigurationException">The section is wrong.</exception>
    public static WarehouseDefinition? Load(string path)
    {
        var full = Path.GetFullPath(path);
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(full);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new WarehouseConfigurationException($"{full}:{ex.Start.Line}:{ex.Start.Column}: not valid YAML: {ex.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root || Get(root, "warehouse") is not { } node)
        {
            return null;
        }

        var problems = new List<string>();
        var ctx = new Ctx(full, problems);
        if (node is not YamlMappingNode map)
        {
            ctx.Problem(node, "'warehouse' must be a mapping with 'datasets' (and optionally 'connection_env', 'models')");
            throw ctx.Fail();
        }

        ctx.Known(map, "connection_env", "models", "datasets");
        var env = ctx.Scalar(map, "connection_env") ?? WarehouseOptions.ConnectionEnvironmentVariable;
        var models = ctx.Scalar(map, "models") is { } m ? Path.GetFullPath(Path.Combine(Path.GetDirectoryName(full)!, m)) : null;
        var datasets = new List<WarehouseDataset>();
        if (Get(map, "datasets") is YamlMappingNode ds)
        {
            foreach (var (key, value) in ds.Children)
            {
                if (Dataset(((YamlScalarNode)key).Value ?? "", value, ctx) is { } parsed)
                {
                    try
                    {
                        parsed.Validate();
                        datasets.Add(parsed);
                    }
                    catch (WarehouseConfigurationException ex)
                    {
                        ctx.Problem(value, ex.Message);
                    }
                }
            }
        }
        else
        {
            ctx.Problem(map, "'warehouse.datasets' is missing; map each dataset to its star schema, e.g. 'store_sales: { fact: fact_sales, measures: [revenue], dimensions: [...] }'");
        }

        if (problems.Count == 0)
        {
            datasets = ResolveReferences(datasets, node, ctx);
        }

        return problems.Count > 0 ? throw ctx.Fail() : new WarehouseDefinition(env, models, datasets);
    }

    /// <summary>
    /// A dimension listed without attributes whose table another dataset declares with them is a reference: the fact
    /// joins to it and the other dataset (say, a customers table extracted on its own) keeps it.
    /// </summary>
    private static List<WarehouseDataset> ResolveReferences(List<WarehouseDataset> datasets, YamlNode node, Ctx ctx)
    {
        var owners = new Dictionary<string, (string Dataset, WarehouseDimension Dimension)>(StringComparer.Ordinal);
        foreach (var ds in datasets)
        {
            foreach (var d in ds.Dimensions.Where(d => d.Attributes.Count > 0))
            {
                owners.TryAdd(d.Table, (ds.Dataset, d));
            }
        }

        var resolved = new List<WarehouseDataset>();
        foreach (var ds in datasets)
        {
            var dims = new List<WarehouseDimension>();
            foreach (var d in ds.Dimensions)
            {
                if (d.Attributes.Count == 0 && owners.TryGetValue(d.Table, out var owner) && owner.Dataset != ds.Dataset)
                {
                    if (!d.NaturalKey.SequenceEqual(owner.Dimension.NaturalKey))
                    {
                        ctx.Problem(node, $"warehouse[{ds.Dataset}].dimensions[{d.Table}]: natural_key [{string.Join(", ", d.NaturalKey)}] differs from [{string.Join(", ", owner.Dimension.NaturalKey)}] of the dimension declared by dataset '{owner.Dataset}'; a fact joins to it by the same key");
                    }

                    dims.Add(owner.Dimension with { IsReference = true });
                }
                else
                {
                    dims.Add(d);
                }
            }

            resolved.Add(ds with { Dimensions = dims });
        }

        return resolved;
    }

    private static WarehouseDataset? Dataset(string name, YamlNode node, Ctx ctx)
    {
        if (node is not YamlMappingNode map)
        {
            ctx.Problem(node, $"warehouse dataset '{name}' must be a mapping with fact, measures and dimensions");
            return null;
        }

        ctx.Known(map, "fact", "key", "version", "measures", "date_column", "dimensions", "marts");
        var fact = ctx.Scalar(map, "fact");
        if (fact is null && Get(map, "dimensions") is null)
        {
            ctx.Problem(map, $"warehouse dataset '{name}' needs 'fact: <table>', or only 'dimensions' when it feeds dimensions");
            return null;
        }

        var dimensions = new List<WarehouseDimension>();
        foreach (var d in ctx.Items(map, "dimensions"))
        {
            if (d is not YamlMappingNode dm)
            {
                ctx.Problem(d, "each dimension is a mapping like '{ table: dim_customer, natural_key: [customer_id], attributes: [name] }'");
                continue;
            }

            ctx.Known(dm, "table", "natural_key", "attributes", "scd");
            var scd = ctx.Scalar(dm, "scd") switch
            {
                null or "1" => ScdType.Type1,
                "2" => ScdType.Type2,
                var other => ctx.Bad(dm, $"scd '{other}' must be 1 (overwrite) or 2 (keep history)", ScdType.Type1),
            };
            dimensions.Add(new WarehouseDimension(ctx.Scalar(dm, "table") ?? "", ctx.List(dm, "natural_key"), ctx.List(dm, "attributes"), scd));
        }

        var marts = new List<WarehouseMart>();
        foreach (var mt in ctx.Items(map, "marts"))
        {
            if (mt is not YamlMappingNode mm)
            {
                ctx.Problem(mt, "each mart is a mapping like '{ name: customer_monthly_purchases, dimension: dim_customer, measure: revenue }'");
                continue;
            }

            ctx.Known(mm, "name", "dimension", "measure", "top_performer");
            marts.Add(new WarehouseMart(ctx.Scalar(mm, "name") ?? "", ctx.Scalar(mm, "dimension") ?? "", ctx.Scalar(mm, "measure") ?? "", ctx.Scalar(mm, "top_performer") is "true"));
        }

        return new WarehouseDataset(name, fact, ctx.List(map, "measures"), dimensions, ctx.Scalar(map, "date_column"), marts)
        {
            FactKey = ctx.List(map, "key"),
            FactVersion = ctx.Scalar(map, "version"),
        };
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: { } k } && k == key).Value;

    private sealed class Ctx(string path, List<string> problems)
    {
        public void Problem(YamlNode node, string message) => problems.Add($"{path}:{node.Start.Line}:{node.Start.Column}: {message}");

        public T Bad<T>(YamlNode node, string message, T fallback)
        {
            Problem(node, message);
            return fallback;
        }

        public WarehouseConfigurationException Fail() =>
            new($"{path}: {problems.Count} problem(s) in the warehouse section:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));

        public void Known(YamlMappingNode map, params string[] keys)
        {
            foreach (var k in map.Children.Keys)
            {
                if (k is YamlScalarNode { Value: { } name } && !keys.Contains(name))
                {
                    Problem(k, $"unknown key '{name}'; expected one of: {string.Join(", ", keys)}");
                }
            }
        }

        public string? Scalar(YamlMappingNode map, string key) => Get(map, key) switch
        {
            null => null,
            YamlScalarNode s => string.IsNullOrWhiteSpace(s.Value) ? null : s.Value.Trim(),
            var other => Bad<string?>(other, $"'{key}' must be a single value", null),
        };

        public IReadOnlyList<YamlNode> Items(YamlMappingNode map, string key) => Get(map, key) switch
        {
            null => [],
            YamlSequenceNode seq => [.. seq.Children],
            var other => Bad<IReadOnlyList<YamlNode>>(other, $"'{key}' must be a list", []),
        };

        public IReadOnlyList<string> List(YamlMappingNode map, string key) =>
            [.. Items(map, key).Select(n => n is YamlScalarNode { Value: { } v } ? v.Trim() : Bad(n, $"each item of '{key}' is a column name", ""))];
    }
}
