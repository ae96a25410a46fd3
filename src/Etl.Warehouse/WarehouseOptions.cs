namespace Etl.Warehouse;

/// <summary>Connection and behaviour of the warehouse. The connection string is never logged.</summary>
public sealed class WarehouseOptions
{
    /// <summary>Environment variable read when <see cref="ConnectionString"/> is not set.</summary>
    public const string ConnectionEnvironmentVariable = "ETL_WAREHOUSE_CONNECTION";

    /// <summary>Npgsql connection string (TLS settings such as SSL Mode / Root Certificate are passed through as given).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Timeout of each statement (merges of millions of rows take minutes); overrides the connection string's Command Timeout.</summary>
    public int CommandTimeoutSeconds { get; init; } = 3600;

    /// <summary>Rows per binary COPY flush check for cancellation.</summary>
    public int CancellationCheckRows { get; init; } = 65536;

    /// <summary>Test hook: runs inside the merge transaction after staging, before commit. Throwing aborts the load.</summary>
    public Func<string, Task>? BeforeCommit { get; init; }

    /// <summary>The connection string from the options, else from <see cref="ConnectionEnvironmentVariable"/>.</summary>
    public string ResolveConnectionString()
    {
        var cs = ConnectionString;
        if (string.IsNullOrWhiteSpace(cs))
        {
            cs = Environment.GetEnvironmentVariable(ConnectionEnvironmentVariable);
        }

        if (string.IsNullOrWhiteSpace(cs))
        {
            throw new WarehouseConfigurationException(
                $"No warehouse connection string: set warehouse.connection in the configuration or the {ConnectionEnvironmentVariable} environment variable.");
        }

        return cs;
    }
}
