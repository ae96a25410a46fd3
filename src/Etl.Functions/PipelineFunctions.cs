using Etl.Core.Runs;
using Etl.Orchestration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace Etl.Functions;

/// <summary>
/// The orchestration functions: the pipeline orchestrator and its batch sub-orchestrator run the tested
/// <see cref="PipelineOrchestrator"/> through <see cref="DurableOrchestrationContext"/>, and the activities call the
/// tested <see cref="PipelineActivityDispatcher"/>. The triggers that start runs are in <see cref="PipelineTriggers"/>.
/// </summary>
public sealed class PipelineFunctions(PipelineActivityDispatcher activities)
{
    /// <summary>The pipeline orchestrator (<see cref="ActivityNames.RunPipeline"/>).</summary>
    [Function(ActivityNames.RunPipeline)]
    public static Task<PipelineRunOutput> RunPipeline([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return PipelineOrchestrator.RunAsync(new DurableOrchestrationContext(context), Input<PipelineRunInput>(context));
    }

    /// <summary>The batch sub-orchestrator (<see cref="ActivityNames.ProcessFileBatch"/>).</summary>
    [Function(ActivityNames.ProcessFileBatch)]
    public static Task<FileBatchResult> ProcessFileBatch([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return PipelineOrchestrator.RunBatchAsync(new DurableOrchestrationContext(context), Input<FileBatchInput>(context));
    }

    /// <summary>FetchSources activity: the declared sources (URL files, PostgreSQL extracts), before Discover.</summary>
    [Function(ActivityNames.FetchSources)]
    public Task<FetchSourcesResult> FetchSources([ActivityTrigger] FetchSourcesRequest request, CancellationToken cancellationToken) =>
        activities.FetchSourcesAsync(request, cancellationToken);

    /// <summary>Discover activity.</summary>
    [Function(ActivityNames.Discover)]
    public Task<DiscoverResult> Discover([ActivityTrigger] DiscoverRequest request, CancellationToken cancellationToken) =>
        activities.DiscoverAsync(request, cancellationToken);

    /// <summary>ProcessFile activity.</summary>
    [Function(ActivityNames.ProcessFile)]
    public Task<FileResult> ProcessFile([ActivityTrigger] ProcessFileRequest request, CancellationToken cancellationToken) =>
        activities.ProcessFileAsync(request, cancellationToken);

    /// <summary>Commit activity.</summary>
    [Function(ActivityNames.Commit)]
    public Task<RunSummary> Commit([ActivityTrigger] CommitRequest request, CancellationToken cancellationToken) =>
        activities.CommitAsync(request, cancellationToken);

    /// <summary>Warehouse load activity.</summary>
    [Function(ActivityNames.LoadWarehouse)]
    public Task<WarehouseLoadResult> LoadWarehouse([ActivityTrigger] WarehouseLoadRequest request, CancellationToken cancellationToken) =>
        activities.LoadWarehouseAsync(request, cancellationToken);

    private static T Input<T>(TaskOrchestrationContext context)
        where T : class =>
        context.GetInput<T>() ?? throw new EtlException($"Orchestration {context.Name} ({context.InstanceId}) was started without an input; start runs through the app's triggers (POST /api/start), which pass one.");
}
