using System.Net;
using System.Text;
using System.Text.Json;
using Etl.Orchestration.Triggers;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Etl.Functions;

/// <summary>
/// The triggers: the daily timer, Event Grid blob events, S3 notifications on a storage queue and HTTP start. Each
/// starts the pipeline's singleton run, or joins it when it is active; the run's Discover decides what is new.
/// </summary>
internal sealed class PipelineTriggers(RunStarter starter, ILogger<PipelineTriggers> logger)
{

    /// <summary>Daily by default (ETL_SCHEDULE, 6-field NCrontab).</summary>
    [Function("ScheduledRun")]
    public Task ScheduledRun([TimerTrigger("%ETL_SCHEDULE%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        starter.StartOrJoinAsync(client, "schedule", cancellationToken);

    /// <summary>A blob created under landing/ in the lake container (ETL_LAKE_CONTAINER), delivered by Event Grid.</summary>
    [Function("BlobLanded")]
    public Task BlobLanded(
        [BlobTrigger("%ETL_LAKE_CONTAINER%/landing/{name}", Source = BlobTriggerSource.EventGrid, Connection = "LakeStorage")] Stream content,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);

        // The content is not read here: the run's Discover lists landing/ and decides what is new.
        content.Dispose();
        Log.BlobLanded(logger, name);
        return starter.StartOrJoinAsync(client, "blob-event", cancellationToken);
    }

    /// <summary>
    /// S3 event notifications (plain, SNS-wrapped or EventBridge) forwarded to a storage queue (ETL_S3_EVENTS_QUEUE). A
    /// message that is not JSON is logged and dropped: retrying it cannot help, so it must not end in the poison queue.
    /// </summary>
    [Function("S3EventQueued")]
    public async Task S3EventQueued([QueueTrigger("%ETL_S3_EVENTS_QUEUE%", Connection = "AzureWebJobsStorage")] string message, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        StorageEventBatch batch;
        try
        {
            batch = StorageEventParser.Parse(Encoding.UTF8.GetBytes(message));
        }
        catch (JsonException ex)
        {
            Log.QueueMessageMalformed(logger, message.Length, ex.Message);
            return;
        }

        if (batch.Keys.Count == 0)
        {
            Log.QueueMessageIgnored(logger, message.Length);
            return;
        }

        await starter.StartOrJoinAsync(client, "s3-event", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /api/start: 202 with Durable's management URLs; when a run is active, 409 with that run's URLs (the singleton), as etl serve answers.</summary>
    [Function("HttpStart")]
    public async Task<HttpResponseData> HttpStart([HttpTrigger(AuthorizationLevel.Function, "post", Route = "start")] HttpRequestData request, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (id, created) = await starter.StartOrJoinAsync(client, "http", cancellationToken).ConfigureAwait(false);
        return await client.CreateCheckStatusResponseAsync(request, id, created ? HttpStatusCode.Accepted : HttpStatusCode.Conflict, cancellationToken).ConfigureAwait(false);
    }
}
