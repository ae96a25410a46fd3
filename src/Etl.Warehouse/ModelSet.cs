namespace Etl.Warehouse;

/// <summary>Reads a models folder (<c>*.sql</c> with <c>-- materialized:</c> / <c>-- depends_on:</c> header comments) and orders it.</summary>
public static class ModelSet
{
    /// <summary>Loads and orders the models of <paramref name="folder"/>; dependencies first, ties by name.</summary>
    public static IReadOnlyList<SqlModel> Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new WarehouseConfigurationException($"Models folder '{folder}' does not exist; create it or set warehouse.models to the right path.");
        }

        var models = new Dictionary<string, SqlModel>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(folder, "*.sql").Order(StringComparer.Ordinal))
        {
            var m = Parse(path, File.ReadAllText(path));
            models.Add(m.Name, m);
        }

        return Order(models);
    }

    /// <summary>Parses one model file's header.</summary>
    public static SqlModel Parse(string path, string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        Identifiers.Check(name, $"{path}: model name");
        var mat = Materialization.View;
        var deps = new List<string>();
        var lineNo = 0;
        foreach (var raw in sql.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (!line.StartsWith("--", StringComparison.Ordinal))
            {
                break;
            }

            var body = line[2..].Trim();
            var colon = body.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var key = body[..colon].Trim();
            var value = body[(colon + 1)..].Trim();
            if (key == "materialized")
            {
                mat = value switch
                {
                    "table" => Materialization.Table,
                    "view" => Materialization.View,
                    _ => throw new WarehouseConfigurationException($"{path}:{lineNo}: materialized is '{value}'; use 'table' or 'view'."),
                };
            }
            else if (key == "depends_on")
            {
                foreach (var d in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    Identifiers.Check(d, $"{path}:{lineNo}: depends_on");
                    deps.Add(d);
                }
            }
        }

        return new SqlModel(name, path, sql, mat, deps);
    }

    private static List<SqlModel> Order(Dictionary<string, SqlModel> models)
    {
        var result = new List<SqlModel>(models.Count);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        foreach (var name in models.Keys.Order(StringComparer.Ordinal))
        {
            Visit(name, []);
        }

        return result;

        void Visit(string name, List<string> stack)
        {
            if (state.TryGetValue(name, out var s))
            {
                if (s == 1)
                {
                    throw new WarehouseConfigurationException($"Models depend on each other in a cycle: {string.Join(" -> ", stack)} -> {name}. Remove one depends_on.");
                }

                return;
            }

            var m = models[name];
            state[name] = 1;
            stack.Add(name);
            foreach (var d in m.DependsOn)
            {
                if (!models.ContainsKey(d))
                {
                    throw new WarehouseConfigurationException($"{m.Path}: depends_on names '{d}', but there is no {d}.sql in the models folder.");
                }

                Visit(d, stack);
            }

            stack.RemoveAt(stack.Count - 1);
            state[name] = 2;
            result.Add(m);
        }
    }
}
