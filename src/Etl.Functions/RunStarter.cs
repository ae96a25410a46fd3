using Etl.Core.Definition;
using DurableTask.Core.Exceptions;
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
            LoadWarehouse: settings.LoadWarehouse,
            FetchSources: definition.HasSources);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(ActivityNames.RunPipeline, input, Singleton(id), cancellationToken).ConfigureAwait(false);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Another trigger started the instance between our look and our start; the backend refused a second one
            // (the dedupe statuses), so this trigger joins that run.
            Log.RunJoined(logger, id, trigger);
            return (id, false);
        }

        Log.RunStarted(logger, id, trigger);
        return (id, true);
    }

    /// <summary>Start options that make the backend refuse the start while an instance under the id is Pending or Running.</summary>
    internal static StartOrchestrationOptions Singleton(string id) =>
        new StartOrchestrationOptions(id).WithDedupeStatuses(OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running);

    private static async Task<bool> IsActiveAsync(DurableTaskClient client, string id, CancellationToken cancellationToken) =>
        await client.GetInstanceAsync(id, cancellationToken).ConfigureAwait(false) is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending };
}
