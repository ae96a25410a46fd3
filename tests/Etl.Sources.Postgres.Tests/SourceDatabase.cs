using Etl.Testing;
using Npgsql;

namespace Etl.Sources.Postgres.Tests;

/// <summary>
/// A throwaway OLTP database on the test PostgreSQL, its connection string in an environment variable of its own
/// (so test classes running at once never share one), dropped at the end.
/// </summary>
public sealed class SourceDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private SourceDatabase(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false }.ConnectionString;
        Environment.SetEnvironmentVariable(Variable, ConnectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>The environment variable holding <see cref="ConnectionString"/>, for <c>source: { postgres: ... }</c>.</summary>
    public string Variable => "ETL_TEST_SOURCE_" + Name.ToUpperInvariant();

    public static async Task<SourceDatabase> CreateAsync()
    {
        var admin = TestServices.Postgres;
        var name = "src_" + Guid.NewGuid().ToString("N")[..12];
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
        await cmd.ExecuteNonQueryAsync();
        return new SourceDatabase(admin, name);
    }

    public async Task ExecAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    public async ValueTask DisposeAsync()
    {
        Environment.SetEnvironmentVariable(Variable, null);
        await using var conn = new NpgsqlConnection(_admin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
