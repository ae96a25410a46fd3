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
        var id = new Argument<string?>("id") { Description = "A run's instance id: show its state and per-file table. Omit to list runs, newest first.", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print the instance (or the list) as JSON, in Durable Functions' status shape." };
        var command = new Command("status", "Show the runs recorded in the lake, or one run's per-file results.") { id, common.Config, common.Lake, json };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (await common.OpenAsync(result, stderr).ConfigureAwait(false) is not { } opened)
            {
                return ExitCodes.ConfigurationError;
            }

            var instances = new InstanceStore(opened.Store);
            var instanceId = result.GetValue(id);
            try
            {
                if (result.GetValue(json))
                {
                    object? payload = instanceId is null
                        ? await instances.ListAsync(null, cancellationToken).ConfigureAwait(false)
                        : await instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
                    if (payload is null)
                    {
                        await stderr.WriteLineAsync($"No run '{instanceId}' in {opened.Store.Description}. etl status lists the runs.").ConfigureAwait(false);
                        return ExitCodes.ConfigurationError;
                    }

                    await stdout.WriteLineAsync(JsonSerializer.Serialize(payload, OrchestrationJson.Options)).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                if (instanceId is null)
                {
                    await StatusPrinter.WriteInstancesAsync(stdout, instances, null, cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                if (!await StatusPrinter.WriteInstanceAsync(stdout, instances, instanceId, cancellationToken).ConfigureAwait(false))
                {
                    await stderr.WriteLineAsync($"No run '{instanceId}' in {opened.Store.Description}. etl status lists the runs.").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }

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
