using System.Globalization;
using System.Text.Json;
using Etl.Orchestration.Local;
using Etl.Orchestration.Triggers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Etl.Orchestration.Hosting;

/// <summary>
/// Durable Functions' management routes and JSON shapes over the local runtime, plus the HTTP start endpoint and the
/// storage-event webhooks.
/// </summary>
internal static class DurableHttpApi
{
    public const string Base = "/runtime/webhooks/durabletask";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/start", StartAsync);
        app.MapPost(Base + "/orchestrators/{functionName}", StartOrchestratorAsync);
        app.MapGet(Base + "/instances", ListAsync);
        app.MapGet(Base + "/instances/{instanceId}", GetAsync);
        app.MapPost(Base + "/instances/{instanceId}/terminate", TerminateAsync);
        app.MapPost(Base + "/instances/{instanceId}/raiseEvent/{eventName}", RaiseEvent);
        app.MapDelete(Base + "/instances/{instanceId}", PurgeAsync);
        app.MapDelete(Base + "/instances", PurgeManyAsync);
        app.MapPost("/api/events/eventgrid", EventAsync);
        app.MapPost("/api/events/s3", EventAsync);
        app.MapMethods("/api/events/eventgrid", ["OPTIONS"], CloudEventsHandshake);
    }

    private static Task<IResult> StartOrchestratorAsync(string functionName, HttpContext http, RunTrigger trigger, LocalDurableHostOptions options, CancellationToken cancellationToken) =>
        string.Equals(functionName, ActivityNames.RunPipeline, StringComparison.OrdinalIgnoreCase)
            ? StartAsync(http, trigger, options, cancellationToken)
            : Task.FromResult(Results.NotFound(new { message = $"No orchestrator named '{functionName}'. This host runs '{ActivityNames.RunPipeline}'." }));

    private static async Task<IResult> StartAsync(HttpContext http, RunTrigger trigger, LocalDurableHostOptions options, CancellationToken cancellationToken)
    {
        var run = options.Run;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            StartRequest? body;
            try
            {
                body = await http.Request.ReadFromJsonAsync<StartRequest>(OrchestrationJson.Options, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                return Results.BadRequest(new { message = $"The start body is not valid JSON ({ex.Message}). Send {{\"retryFailed\": true}}, {{\"reprocessAll\": true}} or no body." });
            }

            if (body is not null)
            {
                run = run with
                {
                    RetryFailed = body.RetryFailed ?? run.RetryFailed,
                    ReprocessAll = body.ReprocessAll ?? run.ReprocessAll,
                    LoadWarehouse = body.LoadWarehouse ?? run.LoadWarehouse,
                };
            }
        }

        var outcome = await trigger.StartAsync("http", run, cancellationToken).ConfigureAwait(false);
        return CheckStatus(http, options, outcome.Instance.InstanceId, outcome.Created ? StatusCodes.Status202Accepted : StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> GetAsync(string instanceId, HttpContext http, LocalDurableRuntime runtime, LocalDurableHostOptions options, bool? showInput, CancellationToken cancellationToken)
    {
        var state = await runtime.GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return Results.NotFound();
        }

        var body = InstanceStatusResponse.From(state, showInput ?? true);
        switch (state.RuntimeStatus)
        {
            case OrchestrationRuntimeStatus.Completed:
                return Results.Json(body, OrchestrationJson.Options, statusCode: StatusCodes.Status200OK);
            case OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated:
                return Results.Json(body, OrchestrationJson.Options, statusCode: StatusCodes.Status400BadRequest);
            default:
                http.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                http.Response.Headers.Location = Urls.For(http, options, instanceId).StatusQueryGetUri;
                return Results.Json(body, OrchestrationJson.Options, statusCode: StatusCodes.Status202Accepted);
        }
    }

    private static async Task<IResult> ListAsync(HttpContext http, LocalDurableRuntime runtime, int? top, bool? showInput, CancellationToken cancellationToken)
    {
        if (!TryQuery(http, out var query, out var error))
        {
            return Results.BadRequest(new { message = error });
        }

        var list = await runtime.ListInstancesAsync(query, cancellationToken).ConfigureAwait(false);
        var bodies = new List<InstanceStatusResponse>(list.Count);
        foreach (var s in list)
        {
            if (top is { } t && bodies.Count >= t)
            {
                break;
            }

            bodies.Add(InstanceStatusResponse.From(s, showInput ?? false));
        }

        return Results.Json(bodies, OrchestrationJson.Options);
    }

    private static async Task<IResult> TerminateAsync(string instanceId, string? reason, LocalDurableRuntime runtime, CancellationToken cancellationToken)
    {
        var outcome = await runtime.TerminateAsync(instanceId, reason ?? "Terminated through the HTTP API.", cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            TerminateOutcome.Terminated => Results.Accepted(),
            TerminateOutcome.NotFound => Results.NotFound(),
            _ => Results.StatusCode(StatusCodes.Status410Gone),
        };
    }

    private static IResult RaiseEvent(string instanceId, string eventName) =>
        Results.BadRequest(new { message = $"The pipeline orchestrator waits for no external events; '{eventName}' for '{instanceId}' was not delivered." });

    private static async Task<IResult> PurgeAsync(string instanceId, LocalDurableRuntime runtime, CancellationToken cancellationToken) =>
        await runtime.PurgeAsync(instanceId, cancellationToken).ConfigureAwait(false) switch
        {
            PurgeOutcome.Purged => Results.Json(new PurgeResponse(1), OrchestrationJson.Options),
            PurgeOutcome.NotFound => Results.NotFound(),
            _ => Results.Conflict(new { message = $"Instance '{instanceId}' is still running. Terminate it first, then purge it." }),
        };

    private static async Task<IResult> PurgeManyAsync(HttpContext http, LocalDurableRuntime runtime, CancellationToken cancellationToken)
    {
        if (!TryQuery(http, out var query, out var error))
        {
            return Results.BadRequest(new { message = error });
        }

        var count = await runtime.PurgeAsync(query, cancellationToken).ConfigureAwait(false);
        return count == 0 ? Results.NotFound() : Results.Json(new PurgeResponse(count), OrchestrationJson.Options);
    }

    private static async Task<IResult> EventAsync(HttpContext http, RunTrigger trigger, LocalDurableHostOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(DurableHttpApi));
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        StorageEventBatch batch;
        try
        {
            batch = StorageEventParser.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (JsonException ex)
        {
            return Results.BadRequest(new { message = $"The event body is not JSON ({ex.Message})." });
        }

        if (batch.ValidationCode is { } code)
        {
            Log.EventGridValidation(logger);
            return Results.Json(new { validationResponse = code });
        }

        if (batch.SubscribeUrl is { } subscribeUrl)
        {
            // Never fetched from here: a person (or the deployment) confirms the subscription by visiting the URL.
            Log.SnsSubscriptionConfirmation(logger, batch.TopicArn ?? "(unknown topic)", subscribeUrl);
            return Results.Json(new WebhookResponse(false, "SNS subscription confirmation received; confirm it by visiting subscribeUrl (also logged).", SubscribeUrl: subscribeUrl), OrchestrationJson.Options);
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in batch.Keys)
        {
            if (StorageEventParser.ToLakeKey(k, options.EventKeyPrefix) is { } key && key.StartsWith("landing/", StringComparison.Ordinal))
            {
                keys.Add(key);
            }
            else
            {
                Log.EventIgnored(logger, k, "outside the lake's landing/");
            }
        }

        if (keys.Count == 0)
        {
            return Results.Json(new WebhookResponse(false, "No object-created event for a key under landing/."), OrchestrationJson.Options);
        }

        var outcome = await trigger.StartIfNewAsync("event", keys, cancellationToken).ConfigureAwait(false);
        return outcome.Kind switch
        {
            TriggerOutcomeKind.Started => CheckStatus(http, options, outcome.Instance!.InstanceId, StatusCodes.Status202Accepted),
            TriggerOutcomeKind.AlreadyActive => Results.Json(
                new WebhookResponse(false, "A run is active; the files are checked again when it finishes.", outcome.Instance!.InstanceId, Urls.For(http, options, outcome.Instance.InstanceId).StatusQueryGetUri),
                OrchestrationJson.Options),
            _ => Results.Json(new WebhookResponse(false, "Nothing new: the files are already processed or match no dataset."), OrchestrationJson.Options),
        };
    }

    private static IResult CloudEventsHandshake(HttpContext http)
    {
        // CloudEvents webhook validation (used by Event Grid's CloudEvents schema): allow the requesting origin.
        var origin = http.Request.Headers["WebHook-Request-Origin"].ToString();
        if (origin.Length > 0)
        {
            http.Response.Headers["WebHook-Allowed-Origin"] = origin;
        }

        return Results.Ok();
    }

    private static IResult CheckStatus(HttpContext http, LocalDurableHostOptions options, string instanceId, int statusCode)
    {
        var payload = Urls.For(http, options, instanceId);
        http.Response.Headers.Location = payload.StatusQueryGetUri;
        return Results.Json(payload, OrchestrationJson.Options, statusCode: statusCode);
    }

    private static bool TryQuery(HttpContext http, out InstanceQuery query, out string? error)
    {
        var q = http.Request.Query;
        query = new InstanceQuery();
        error = null;
        var statuses = new List<OrchestrationRuntimeStatus>();
        foreach (var value in q["runtimeStatus"])
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Enum.TryParse<OrchestrationRuntimeStatus>(part, ignoreCase: true, out var status))
                {
                    error = $"runtimeStatus '{part}' is not one of Pending, Running, Completed, Failed, Terminated.";
                    return false;
                }

                statuses.Add(status);
            }
        }

        if (!TryTime(q["createdTimeFrom"], "createdTimeFrom", out var from, ref error) || !TryTime(q["createdTimeTo"], "createdTimeTo", out var to, ref error))
        {
            return false;
        }

        query = new InstanceQuery(statuses, from, to);
        return true;
    }

    private static bool TryTime(string? value, string name, out DateTimeOffset? time, ref string? error)
    {
        time = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            time = t;
            return true;
        }

        error = $"{name} '{value}' is not an ISO 8601 time such as 2026-01-31T00:00:00Z.";
        return false;
    }

    private sealed record StartRequest(bool? RetryFailed, bool? ReprocessAll, bool? LoadWarehouse);

    private static class Urls
    {
        public static HttpManagementPayload For(HttpContext http, LocalDurableHostOptions options, string instanceId)
        {
            var root = $"{http.Request.Scheme}://{http.Request.Host}{Base}/instances/{Uri.EscapeDataString(instanceId)}";
            var code = string.IsNullOrEmpty(options.ApiKey) ? string.Empty : "code=" + Uri.EscapeDataString(options.ApiKey);
            var first = code.Length == 0 ? string.Empty : "?" + code;
            var next = code.Length == 0 ? string.Empty : "&" + code;
            return new HttpManagementPayload(
                instanceId,
                root + first,
                root + "/raiseEvent/{eventName}" + first,
                root + "/terminate?reason={text}" + next,
                root + first);
        }
    }
}
