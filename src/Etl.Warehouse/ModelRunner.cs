using Npgsql;

namespace Etl.Warehouse;

/// <summary>Materialises ordered models in the analytics schema in one transaction; an error names the model, line and column.</summary>
internal static class ModelRunner
{
    public static async Task RunAsync(NpgsqlConnection conn, IReadOnlyList<SqlModel> models, CancellationToken ct)
    {
        var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using var txScope = tx.ConfigureAwait(false);
        var lk = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('etl.warehouse:models', 0))", conn);
        await using (lk.ConfigureAwait(false))
        {
            await lk.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        // Dependents first when dropping, so a view on a table being rebuilt goes with it; then build in order.
        for (var i = models.Count - 1; i >= 0; i--)
        {
            var q = "analytics." + Identifiers.Q(models[i].Name);
            var kind = new NpgsqlCommand("SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'analytics' AND c.relname = $1", conn);
            await using var kindScope = kind.ConfigureAwait(false);
            kind.Parameters.Add(new NpgsqlParameter { Value = models[i].Name });
            var relkind = await kind.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
            var drop = relkind switch
            {
                "v" => $"DROP VIEW {q} CASCADE",
                "m" => $"DROP MATERIALIZED VIEW {q} CASCADE",
                "r" or "p" => $"DROP TABLE {q} CASCADE",
                _ => null,
            };
            if (drop is not null)
            {
                await Migrations.ExecAsync(conn, drop, ct).ConfigureAwait(false);
            }
        }

        foreach (var m in models)
        {
            var body = m.Sql.TrimEnd().TrimEnd(';');
            var prefix = m.Materialized == Materialization.Table
                ? $"CREATE TABLE analytics.{Identifiers.Q(m.Name)} AS\n"
                : $"CREATE VIEW analytics.{Identifiers.Q(m.Name)} AS\n";
            var cmd = new NpgsqlCommand(prefix + body, conn);
            await using var cmdScope = cmd.ConfigureAwait(false);
            try
            {
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                var where = m.Path;
                if (ex.Position > prefix.Length)
                {
                    var (line, col) = LineColumn(body, ex.Position - prefix.Length - 1);
                    where = $"{m.Path}:{line}:{col}";
                }

                throw new WarehouseException(
                    $"Model '{m.Name}' failed at {where}: {ex.MessageText} (SQLSTATE {ex.SqlState}). No model was changed; fix the model and run 'etl warehouse models' again.",
                    ex);
            }
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>1-based line and column of character <paramref name="index"/> of <paramref name="text"/>.</summary>
    internal static (int Line, int Column) LineColumn(string text, int index)
    {
        int line = 1, col = 1;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                col = 1;
            }
            else
            {
                col++;
            }
        }

        return (line, col);
    }
}
