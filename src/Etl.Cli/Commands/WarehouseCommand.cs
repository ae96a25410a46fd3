using System.CommandLine;
using System.Globalization;
using Etl.Storage;
using Etl.Warehouse;

namespace Etl.Cli.Commands;

/// <summary><c>etl warehouse migrate|load|models</c>: the PostgreSQL warehouse declared in the definition's <c>warehouse:</c> section.</summary>
internal static class WarehouseCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("warehouse", "Load the processed zone into the PostgreSQL warehouse declared under 'warehouse:' (connection from the environment variable it names, default ETL_WAREHOUSE_CONNECTION).");
        command.Subcommands.Add(Migrate(stdout, stderr));
        command.Subcommands.Add(Load(stdout, stderr));
        command.Subcommands.Add(Models(stdout, stderr));
        return command;
    }

    private static Command Migrate(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var command = new Command("migrate", "Create or upgrade the warehouse schemas (versioned migrations, under an advisory lock).") { common.Config };
        command.SetAction((result, ct) => RunAsync(result, common, stderr, async (warehouse, loader, _) =>
        {
            var applied = await loader.MigrateAsync(cancellationToken: ct).ConfigureAwait(false);
            await stdout.WriteLineAsync(applied.Count == 0 ? "Warehouse schema is up to date." : $"Applied migration(s) {string.Join(", ", applied)}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Load(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only files committed at or after this time (e.g. 2024-06-01 or 2024-06-01T12:00Z)." };
        var command = new Command("load", "Load every committed file not yet loaded at its current version, from the processed Parquet; then refresh the marts.")
        {
            common.Config, common.Lake, since,
        };
        command.SetAction((result, ct) => RunAsync(result, common, stderr, async (warehouse, loader, store) =>
        {
            var progress = new Progress<string>(line => stderr.WriteLine(line));
            var summary = await new CommittedFileLoader(loader, warehouse, store!).LoadCommittedAsync(result.GetValue(since), progress, ct).ConfigureAwait(false);
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Warehouse load: {summary.FilesLoaded} file(s) loaded ({summary.RowsLoaded:N0} fact rows), {summary.FilesUpToDate} already up to date, {summary.Failures.Count} failed.")).ConfigureAwait(false);
            foreach (var failure in summary.Failures)
            {
                await stdout.WriteLineAsync("  failed: " + failure).ConfigureAwait(false);
            }

            return summary.Failures.Count > 0 ? ExitCodes.FilesFailed : ExitCodes.Success;
        }, needsStore: true));
        return command;
    }

    private static Command Models(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var command = new Command("models", "Materialise the SQL models of the 'warehouse.models' folder in the analytics schema, in dependency order, in one transaction.") { common.Config };
        command.SetAction((result, ct) => RunAsync(result, common, stderr, async (warehouse, loader, _) =>
        {
            if (warehouse.ModelsFolder is null)
            {
                await stderr.WriteLineAsync("No models folder: add 'models: ./models' under 'warehouse:' in the definition.").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            var built = await loader.RunModelsAsync(warehouse.ModelsFolder, ct).ConfigureAwait(false);
            await stdout.WriteLineAsync($"Built {built.Count} model(s) in order: {string.Join(", ", built)}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, CommonOptions common, TextWriter stderr, Func<WarehouseDefinition, WarehouseLoader, IObjectStore?, Task<int>> action, bool needsStore = false)
    {
        if (await WarehouseStep.LoadAsync(result.GetValue(common.Config)!, stderr).ConfigureAwait(false) is not { } warehouse)
        {
            return ExitCodes.ConfigurationError;
        }

        IObjectStore? store = null;
        if (needsStore)
        {
            if (await common.OpenAsync(result, stderr).ConfigureAwait(false) is not { } opened)
            {
                return ExitCodes.ConfigurationError;
            }

            store = opened.Store;
        }

        var options = warehouse.Options();
        try
        {
            var loader = new WarehouseLoader(options);
            await using (loader.ConfigureAwait(false))
            {
                return await action(warehouse, loader, store).ConfigureAwait(false);
            }
        }
        catch (WarehouseConfigurationException ex)
        {
            await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.ConfigurationError;
        }
        catch (EtlException ex)
        {
            await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.Unexpected;
        }
    }
}
