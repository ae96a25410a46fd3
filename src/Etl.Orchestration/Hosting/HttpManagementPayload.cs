using System.Globalization;
using System.Text.Json;
using Etl.Orchestration.Local;

namespace Etl.Orchestration.Hosting;

/// <summary>The body of a start response (Durable's <c>CreateCheckStatusResponse</c> shape).</summary>
public sealed record HttpManagementPayload(string Id, string StatusQueryGetUri, string SendEventPostUri, string TerminatePostUri, string PurgeHistoryDeleteUri);

/// <summary>The body of an instance status response (Durable's shape).</summary>
public sealed record InstanceStatusResponse(
    string Name,
    string InstanceId,
    string RuntimeStatus,
    JsonElement? Input,
    JsonElement? CustomStatus,
    JsonElement? Output,
    string CreatedTime,
    string LastUpdatedTime)
{
    /// <summary>Maps a stored instance; <paramref name="showInput"/> false leaves the input out.</summary>
    public static InstanceStatusResponse From(InstanceState state, bool showInput = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new(
            state.Name,
            state.InstanceId,
            state.RuntimeStatus.ToString(),
            showInput ? state.Input : null,
            state.CustomStatus,
            state.Output,
            Time(state.CreatedTime),
            Time(state.LastUpdatedTime));
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Body of a purge response.</summary>
public sealed record PurgeResponse(int InstancesDeleted);

/// <summary>Body of a webhook response that started nothing, or a handshake answer.</summary>
public sealed record WebhookResponse(bool Started, string Reason, string? Id = null, string? StatusQueryGetUri = null, string? SubscribeUrl = null);
