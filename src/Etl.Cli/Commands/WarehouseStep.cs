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
    public static async Task<IWarehouseLoadActivity?> CreateAsync(string configPath, IObjectStore store, TextWriter stderr) =>
        await LoadAsync(configPath, stderr, "--load-warehouse: ", " or run without --load-warehouse").ConfigureAwait(false) is { } warehouse
            ? new WarehouseLoadActivity(warehouse, store)
            : null;

    /// <summary>
    /// The definition's <c>warehouse:</c> section when it is there, valid, and its connection variable is set; otherwise
    /// null after writing what to do to <paramref name="stderr"/>, each message starting with <paramref name="prefix"/>.
    /// </summary>
    public static async Task<WarehouseDefinition?> LoadAsync(string configPath, TextWriter stderr, string prefix = "", string alternative = "")
    {
        WarehouseDefinition? warehouse;
        try
        {
            warehouse = WarehouseDefinition.Load(configPath);
        }
        catch (Exception ex) when (ex is WarehouseConfigurationException or FileNotFoundException or DirectoryNotFoundException)
        {
            await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return null;
        }

        if (warehouse is null)
        {
            await stderr.WriteLineAsync($"{prefix}{configPath} has no 'warehouse:' section; see docs/warehouse.md for how to declare one{alternative}.").ConfigureAwait(false);
            return null;
        }

        if (warehouse.Options().ConnectionString is null)
        {
            await stderr.WriteLineAsync($"{(prefix.Length == 0 ? "No warehouse connection: set" : prefix + "set")} the environment variable {warehouse.ConnectionEnvironmentVariable} to an Npgsql connection string (Host=...;Database=...;Username=...).").ConfigureAwait(false);
            return null;
        }

        return warehouse;
    }
}
