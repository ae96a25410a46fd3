using System.CommandLine;
using System.Text.Json;
using Etl.Orchestration;
using Etl.Orchestration.Local;
using Etl.Storage;

namespace Etl.Cli.Commands;

/// <summary><c>etl status [id]</c>: the runs recorded in the lake (by <c>etl run</c> and <c>etl serve</c>), or one run's per-file table.</summary>
internal static class StatusCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var id = new Argument<string?>("id") { Description = "A run's id as etl run prints it, or its instance id: show its state and per-file table. Omit to list runs, newest first.", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print the instance (or the list) as JSON, in Durable Functions' status shape." };
        var all = new Option<bool>("--all") { Description = "Also list the runs that found nothing new to process." };
        var command = new Command("status", "Show the runs recorded in the lake, or one run's per-file results.") { id, common.Config, common.Lake, json, all };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (await common.OpenAsync(result, stderr).ConfigureAwait(false) is not { } opened)
            {
                return ExitCodes.ConfigurationError;
            }

            var instances = new InstanceStore(opened.Store);
            var requested = result.GetValue(id);
            try
            {
                if (requested is null)
                {
                    var list = await instances.ListAsync(null, cancellationToken).ConfigureAwait(false);
                    var shown = result.GetValue(all) ? list : [.. list.Where(s => !RunLookup.FoundNothing(s))];
                    if (result.GetValue(json))
                    {
                        await stdout.WriteLineAsync(JsonSerializer.Serialize(shown, OrchestrationJson.Options)).ConfigureAwait(false);
                        return ExitCodes.Success;
                    }

                    await StatusPrinter.WriteInstancesAsync(stdout, shown).ConfigureAwait(false);
                    if (shown.Count < list.Count)
                    {
                        await stdout.WriteLineAsync($"({list.Count - shown.Count} run(s) that found nothing new are not listed; --all lists them.)").ConfigureAwait(false);
                    }

                    return ExitCodes.Success;
                }

                if (await RunLookup.FindAsync(instances, requested, cancellationToken).ConfigureAwait(false) is not { } state)
                {
                    await stderr.WriteLineAsync($"No run '{requested}' in {opened.Store.Description} (neither a run id nor an instance id). etl status lists the runs.").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }

                if (result.GetValue(json))
                {
                    await stdout.WriteLineAsync(JsonSerializer.Serialize(state, OrchestrationJson.Options)).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                await StatusPrinter.WriteInstanceAsync(stdout, instances, state.InstanceId, cancellationToken).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (StorageException ex)
            {
                await stderr.WriteLineAsync($"Storage error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Unexpected;
            }
        });
        return command;
    }
}
