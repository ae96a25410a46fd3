using System.Net;
using Etl.Core.Definition;
using Etl.Core.Runs;
using Etl.Orchestration;
using Etl.Orchestration.Triggers;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Etl.Functions;

/// <summary>
/// The functions: the orchestrator, its batch sub-orchestrator and the activities bind Durable Functions to the tested
/// <see cref="PipelineOrchestrator"/> and <see cref="PipelineActivityDispatcher"/>; the triggers (daily timer, Event Grid
/// blob events, S3 notifications on a queue, HTTP) start the pipeline's singleton instance or find it running.
/// </summary>
public sealed class PipelineFunctions(PipelineDefinition definition, PipelineActivityDispatcher activities, ILogger<PipelineFunctions> logger)
{
    [Function(ActivityNames.RunPipeline)]
    public Task<PipelineRunOutput> RunPipeline([OrchestrationTrigger] TaskOrchestrationContext context) =>
        PipelineOrchestrator.RunAsync(new DurableOrchestrationContext(context), context.GetInput<PipelineRunInput>()!);

    [Function(ActivityNames.ProcessFileBatch)]
    public Task<FileBatchResult> ProcessFileBatch([OrchestrationTrigger] TaskOrchestrationContext context) =>
        PipelineOrchestrator.RunBatchAsync(new DurableOrchestrationContext(context), context.GetInput<FileBatchInput>()!);

    [Function(ActivityNames.Discover)]
    public Task<DiscoverResult> Discover([ActivityTrigger] DiscoverRequest request, FunctionContext context) =>
        activities.DiscoverAsync(request, context.CancellationToken);

    [Function(ActivityNames.ProcessFile)]
    public Task<FileResult> ProcessFile([ActivityTrigger] ProcessFileRequest request, FunctionContext context) =>
        activities.ProcessFileAsync(request, context.CancellationToken);

    [Function(ActivityNames.Commit)]
    public Task<RunSummary> Commit([ActivityTrigger] CommitRequest request, FunctionContext context) =>
        activities.CommitAsync(request, context.CancellationToken);

    [Function(ActivityNames.LoadWarehouse)]
    public Task<WarehouseLoadResult> LoadWarehouse([ActivityTrigger] WarehouseLoadRequest request, FunctionContext context) =>
        activities.LoadWarehouseAsync(request, context.CancellationToken);

    /// <summary>Daily by default (ETL_SCHEDULE, 6-field NCrontab).</summary>
    [Function("ScheduledRun")]
    public Task ScheduledRun([TimerTrigger("%ETL_SCHEDULE%")] TimerInfo timer, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        StartOrJoinAsync(client, "schedule", context.CancellationToken);

    /// <summary>A blob created under landing/ in the lake container (ETL_LAKE_CONTAINER), delivered by Event Grid.</summary>
    [Function("BlobLanded")]
    public Task BlobLanded(
        [BlobTrigger("%ETL_LAKE_CONTAINER%/landing/{name}", Source = BlobTriggerSource.EventGrid, Connection = "LakeStorage")] Stream content,
        string name,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        // The content is not read here: Discover lists landing/ and decides what is new.
        logger.LogInformation("Landed: landing/{Name}", name);
        content.Dispose();
        return StartOrJoinAsync(client, "blob-event", context.CancellationToken);
    }

    /// <summary>S3 event notifications (plain, SNS-wrapped or EventBridge) forwarded to a storage queue.</summary>
    [Function("S3EventQueued")]
    public async Task S3EventQueued([QueueTrigger("%ETL_S3_EVENTS_QUEUE%", Connection = "AzureWebJobsStorage")] string message, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        var batch = StorageEventParser.Parse(System.Text.Encoding.UTF8.GetBytes(message));
        if (batch.Keys.Count == 0)
        {
            logger.LogInformation("S3 message with no object-created keys ignored");
            return;
        }

        await StartOrJoinAsync(client, "s3-event", context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /api/start: 202 with Durable's management URLs; when a run is active, 409 with that run's URLs (the singleton), as etl serve answers.</summary>
    [Function("HttpStart")]
    public async Task<HttpResponseData> HttpStart([HttpTrigger(AuthorizationLevel.Function, "post", Route = "start")] HttpRequestData request, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        var (id, created) = await StartOrJoinAsync(client, "http", context.CancellationToken).ConfigureAwait(false);
        return await client.CreateCheckStatusResponseAsync(request, id, created ? HttpStatusCode.Accepted : HttpStatusCode.Conflict, context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the pipeline's singleton instance, unless it is already pending or running.</summary>
    private async Task<(string Id, bool Created)> StartOrJoinAsync(DurableTaskClient client, string trigger, CancellationToken cancellationToken)
    {
        var id = FunctionSettings.InstanceId(definition.Name);
        var existing = await client.GetInstanceAsync(id, cancellationToken).ConfigureAwait(false);
        if (existing is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending })
        {
            logger.LogInformation("Run {InstanceId} is already active; {Trigger} joins it", id, trigger);
            return (id, false);
        }

        var (batchSize, parallel) = FunctionSettings.Fanout();
        var input = new PipelineRunInput(definition.Name, BatchSize: batchSize, MaxParallelFiles: parallel ?? definition.MaxParallelFiles, Trigger: trigger, LoadWarehouse: FunctionSettings.LoadWarehouse);
        await client.ScheduleNewOrchestrationInstanceAsync(ActivityNames.RunPipeline, input, new StartOrchestrationOptions(id), cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Started run {InstanceId} ({Trigger})", id, trigger);
        return (id, true);
    }
}
