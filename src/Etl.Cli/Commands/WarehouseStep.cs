using Etl.Orchestration;
using Etl.Orchestration.Warehouse;
using Etl.Storage;
using Etl.Warehouse;

namespace Etl.Cli.Commands;

/// <summary>The optional warehouse step of <c>etl run</c> and <c>etl serve</c> (<c>--load-warehouse</c>).</summary>
internal static class WarehouseStep
{
    /// <summary>
    /// The load activity for the definition's <c>warehouse:</c> section, or null after writing to <paramref name="stderr"/>
    /// why it cannot run (no section, a bad section, no connection string): checked before any file is touched.
    /// </summary>
    public static async Task<IWarehouseLoadActivity?> CreateAsync(string configPath, IObjectStore store, TextWriter stderr)
    {
        WarehouseDefinition? warehouse;
        try
        {
            warehouse = WarehouseDefinition.Load(configPath);
        }
        catch (WarehouseConfigurationException ex)
        {
            await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return null;
        }

        if (warehouse is null)
        {
            await stderr.WriteLineAsync($"--load-warehouse: {configPath} has no 'warehouse:' section; see docs/warehouse.md for how to declare one, or run without --load-warehouse.").ConfigureAwait(false);
            return null;
        }

        if (warehouse.Options().ConnectionString is null)
        {
            await stderr.WriteLineAsync($"--load-warehouse: set the environment variable {warehouse.ConnectionEnvironmentVariable} to an Npgsql connection string (Host=...;Database=...;Username=...).").ConfigureAwait(false);
            return null;
        }

        return new WarehouseLoadActivity(warehouse, store);
    }
}
