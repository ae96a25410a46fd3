using System.CommandLine;
using Etl.Core.Definition;
using Etl.Warehouse;

namespace Etl.Cli.Commands;

/// <summary><c>etl validate</c>: checks a pipeline definition (and its warehouse section) without opening its lake, for CI.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var command = new Command("validate", "Check a pipeline definition and its warehouse: section (every problem with file:line:column) without touching any data; for CI.")
        {
            common.Config,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(common.Config)!;
            PipelineDefinition definition;
            WarehouseDefinition? warehouse;
            try
            {
                definition = PipelineDefinitionLoader.Load(path);
                warehouse = WarehouseDefinition.Load(path);
            }
            catch (Exception ex) when (ex is PipelineDefinitionException or WarehouseConfigurationException or FileNotFoundException or DirectoryNotFoundException)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            await stdout.WriteLineAsync($"{path} is valid: pipeline {definition.Name} (version {definition.Version}), {definition.Datasets.Count} dataset(s): {string.Join(", ", definition.Datasets.Select(d => $"{d.Name} ({d.Columns.Count} columns{(d.Transforms.Count == 0 ? "" : $", {d.Transforms.Count} transforms")})"))}"
                + (warehouse is null ? "; no warehouse section." : $"; warehouse section with {warehouse.Datasets.Count} dataset(s).")).ConfigureAwait(false);
            await stdout.WriteLineAsync("Reference tables and the lake are not read: `etl run --dry-run` checks those against the lake.").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
