using Etl.Core.Definition;
using Etl.Orchestration;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Etl.Functions;

/// <summary>
/// Starts the pipeline's singleton instance (<see cref="FunctionAppSettings.InstanceId"/>), or finds it active. Triggers
/// fire at the same moment (a burst of blob events, the timer with an HTTP start): exactly one of them starts the run,
/// and the others join it instead of failing.
/// </summary>
internal sealed class RunStarter(PipelineDefinition definition, FunctionAppSettings settings, ILogger<RunStarter> logger)
{
    /// <summary>The id of the started or active instance, and whether this call started it.</summary>
    public async Task<(string InstanceId, bool Created)> StartOrJoinAsync(DurableTaskClient client, string trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var id = FunctionAppSettings.InstanceId(definition.Name);
        if (await IsActiveAsync(client, id, cancellationToken).ConfigureAwait(false))
        {
            Log.RunJoined(logger, id, trigger);
            return (id, false);
        }

        var input = new PipelineRunInput(
            definition.Name,
            BatchSize: settings.BatchSize,
            MaxParallelFiles: settings.MaxParallelFiles ?? definition.MaxParallelFiles,
            Trigger: trigger,
            LoadWarehouse: settings.LoadWarehouse);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(ActivityNames.RunPipeline, input, new StartOrchestrationOptions(id), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Another trigger started the instance between our look and our start: the backend refuses a second
            // active instance under one id, so join that run. Any other failure still propagates.
            if (!await IsActiveAsync(client, id, cancellationToken).ConfigureAwait(false))
            {
                throw;
            }

            Log.RunJoined(logger, id, trigger);
            return (id, false);
        }

        Log.RunStarted(logger, id, trigger);
        return (id, true);
    }

    private static async Task<bool> IsActiveAsync(DurableTaskClient client, string id, CancellationToken cancellationToken) =>
        await client.GetInstanceAsync(id, cancellationToken).ConfigureAwait(false) is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending };
}
