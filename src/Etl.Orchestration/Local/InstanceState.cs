using System.Text.Json;

namespace Etl.Orchestration.Local;

/// <summary>One orchestration instance as persisted under <c>_meta/instances/&lt;id&gt;/instance.json</c>.</summary>
/// <param name="Name">Orchestrator name.</param>
/// <param name="InstanceId">Instance id.</param>
/// <param name="RuntimeStatus">Status.</param>
/// <param name="Input">Input JSON.</param>
/// <param name="CustomStatus">Last custom status JSON.</param>
/// <param name="Output">Output JSON (the error message for a failed instance, the reason for a terminated one).</param>
/// <param name="CreatedTime">When it was created.</param>
/// <param name="LastUpdatedTime">When its state last changed.</param>
public sealed record InstanceState(
    string Name,
    string InstanceId,
    OrchestrationRuntimeStatus RuntimeStatus,
    JsonElement? Input,
    JsonElement? CustomStatus,
    JsonElement? Output,
    DateTimeOffset CreatedTime,
    DateTimeOffset LastUpdatedTime)
{
    /// <summary>Whether the instance has not finished (it is running, scheduled, or waiting to be resumed).</summary>
    public bool IsActive => RuntimeStatus is OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Running;
}

/// <summary>
/// One recorded activity or sub-orchestration result of an instance, under <c>_meta/instances/&lt;id&gt;/history/</c>.
/// A resumed instance gets the recorded result instead of running the call again.
/// </summary>
/// <param name="Id">Deterministic id of the call: hash of scope, name, input and occurrence.</param>
/// <param name="Kind"><c>activity</c> or <c>orchestrator</c>.</param>
/// <param name="Name">Activity or orchestrator name.</param>
/// <param name="Scope">Id of the enclosing sub-orchestration call, empty at the top.</param>
/// <param name="Input">Input JSON.</param>
/// <param name="Succeeded">Whether the call succeeded.</param>
/// <param name="Result">Output JSON when it succeeded.</param>
/// <param name="Error">Error message when it failed.</param>
/// <param name="IsTransient">Whether the last failure was transient.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="CompletedAt">When the call finished.</param>
public sealed record HistoryEvent(
    string Id,
    string Kind,
    string Name,
    string Scope,
    JsonElement? Input,
    bool Succeeded,
    JsonElement? Result,
    string? Error,
    bool IsTransient,
    int Attempts,
    DateTimeOffset CompletedAt);

/// <summary>A filter on instances (Durable's list query parameters).</summary>
/// <param name="RuntimeStatus">Statuses to keep; empty or null for all.</param>
/// <param name="CreatedTimeFrom">Created at or after.</param>
/// <param name="CreatedTimeTo">Created at or before.</param>
public sealed record InstanceQuery(
    IReadOnlyCollection<OrchestrationRuntimeStatus>? RuntimeStatus = null,
    DateTimeOffset? CreatedTimeFrom = null,
    DateTimeOffset? CreatedTimeTo = null)
{
    /// <summary>Whether <paramref name="state"/> passes the filter.</summary>
    public bool Matches(InstanceState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return (RuntimeStatus is null || RuntimeStatus.Count == 0 || RuntimeStatus.Contains(state.RuntimeStatus))
            && (CreatedTimeFrom is null || state.CreatedTime >= CreatedTimeFrom)
            && (CreatedTimeTo is null || state.CreatedTime <= CreatedTimeTo);
    }
}
