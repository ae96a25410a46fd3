using Npgsql;

namespace Etl.Warehouse;

/// <summary>Versioned schema migrations, recorded in etl_meta.schema_migrations and applied under an advisory lock.</summary>
public static class Migrations
{
    /// <summary>Advisory lock key held while migrating (any loader migrates first, so they queue here).</summary>
    internal const long LockKey = 0x45544C5F4D494752; // "ETL_MIGR"

    /// <summary>All migrations in order; version = index + 1. Append only: never edit a released one.</summary>
    internal static readonly IReadOnlyList<(string Name, string Sql)> All =
    [
        ("schemas", """
            CREATE SCHEMA IF NOT EXISTS staging;
            CREATE SCHEMA IF NOT EXISTS warehouse;
            CREATE SCHEMA IF NOT EXISTS analytics;
            """),
        ("file_loads", """
            CREATE TABLE warehouse.file_loads (
                source_id    text PRIMARY KEY,
                dataset      text NOT NULL,
                source_key   text,
                etag         text,
                version      text,
                parquet_key  text,
                status       text NOT NULL CHECK (status IN ('staging', 'loaded', 'failed')),
                rows_staged  bigint NOT NULL DEFAULT 0,
                rows_loaded  bigint NOT NULL DEFAULT 0,
                load_count   integer NOT NULL DEFAULT 0,
                started_at   timestamptz NOT NULL,
                finished_at  timestamptz,
                error        text
            );
            CREATE INDEX file_loads_dataset ON warehouse.file_loads (dataset, finished_at);
            """),
        ("dim_date", """
            CREATE TABLE warehouse.dim_date (
                date_key     integer PRIMARY KEY,
                "date"       date NOT NULL UNIQUE,
                "year"       smallint NOT NULL,
                quarter      smallint NOT NULL,
                "month"      smallint NOT NULL,
                "day"        smallint NOT NULL,
                month_start  date NOT NULL,
                iso_week     smallint NOT NULL,
                day_of_week  smallint NOT NULL,
                is_weekend   boolean NOT NULL
            );
            """),
    ];

    /// <summary>The newest version this build knows.</summary>
    public static int LatestVersion => All.Count;

    /// <summary>Applies pending migrations up to <paramref name="targetVersion"/> (default: latest), each in its own transaction, under the lock.</summary>
    /// <returns>The versions applied by this call.</returns>
    public static async Task<IReadOnlyList<int>> ApplyAsync(NpgsqlConnection connection, int? targetVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var target = targetVersion ?? LatestVersion;
        var applied = new List<int>();
        await ExecAsync(connection, $"SELECT pg_advisory_lock({LockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecAsync(connection, """
                CREATE SCHEMA IF NOT EXISTS etl_meta;
                CREATE TABLE IF NOT EXISTS etl_meta.schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
                """, cancellationToken).ConfigureAwait(false);
            var current = await CurrentVersionAsync(connection, cancellationToken).ConfigureAwait(false);
            for (var v = current + 1; v <= target; v++)
            {
                var (name, sql) = All[v - 1];
                var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using var txScope = tx.ConfigureAwait(false);
                try
                {
                    await ExecAsync(connection, sql, cancellationToken).ConfigureAwait(false);
                    var rec = new NpgsqlCommand("INSERT INTO etl_meta.schema_migrations (version, name) VALUES ($1, $2)", connection);
                    await using var recScope = rec.ConfigureAwait(false);
                    rec.Parameters.Add(new NpgsqlParameter { Value = v });
                    rec.Parameters.Add(new NpgsqlParameter { Value = name });
                    await rec.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex)
                {
                    throw new WarehouseException($"Migration {v} ({name}) failed: {ex.MessageText}. Nothing of it was applied; fix the database state and run 'etl warehouse migrate' again.", ex);
                }

                applied.Add(v);
            }
        }
        finally
        {
            await ExecAsync(connection, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None).ConfigureAwait(false);
        }

        return applied;
    }

    /// <summary>The highest applied version, 0 when none.</summary>
    public static async Task<int> CurrentVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var cmd = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM etl_meta.schema_migrations", connection);
        await using var cmdScope = cmd.ConfigureAwait(false);
        try
        {
            return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable || ex.SqlState == PostgresErrorCodes.InvalidSchemaName)
        {
            return 0;
        }
    }

    internal static async Task ExecAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var cmd = new NpgsqlCommand(sql, connection);
        await using var cmdScope = cmd.ConfigureAwait(false);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
