namespace Etl.Orchestration;

/// <summary>
/// The orchestration port: the few operations the pipeline orchestrator needs, modelled on Durable Task's
/// <c>TaskOrchestrationContext</c> so that an adapter over it is a line per member. Implemented in-process by the local
/// runtime and by <c>Etl.Functions</c> over Durable Functions. Orchestrator code that uses it must be deterministic:
/// no I/O, no <see cref="DateTime.UtcNow"/>, no <see cref="Guid.NewGuid"/>; fan out by starting several calls and
/// awaiting them with <see cref="Task.WhenAll(IEnumerable{Task})"/> or <see cref="Task.WhenAny(IEnumerable{Task})"/>.
/// </summary>
public interface IOrchestrationContext
{
    /// <summary>The id of the running orchestration instance (of the sub-orchestration inside one).</summary>
    string InstanceId { get; }

    /// <summary>Replay-safe current time: the same value every time the orchestrator replays the same point.</summary>
    DateTime CurrentUtcDateTime { get; }

    /// <summary>Whether the orchestrator is replaying recorded history (use to suppress duplicate logs).</summary>
    bool IsReplaying { get; }

    /// <summary>
    /// Calls an activity with a JSON-serialisable input and returns its deserialised output. When the activity fails
    /// with a transient error (<see cref="EtlException.IsTransient"/>) and <paramref name="retry"/> allows another attempt,
    /// the host retries it after a durable, exponentially growing delay; otherwise the returned task faults with
    /// <see cref="ActivityFailedException"/>.
    /// </summary>
    Task<TResult> CallActivityAsync<TResult>(string name, object? input, ActivityRetryPolicy? retry = null);

    /// <summary>Runs a sub-orchestration and returns its output; faults with <see cref="ActivityFailedException"/> when it fails.</summary>
    Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input);

    /// <summary>Sets the JSON-serialisable custom status that status queries return.</summary>
    void SetCustomStatus(object? status);
}
