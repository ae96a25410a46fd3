namespace Etl.Orchestration.Local;

/// <summary>Runtime status of an orchestration instance, named as Durable Functions names them.</summary>
public enum OrchestrationRuntimeStatus
{
    /// <summary>Scheduled, not started yet.</summary>
    Pending,

    /// <summary>Running (or interrupted and waiting to be resumed by the next host start).</summary>
    Running,

    /// <summary>Finished; output holds the result.</summary>
    Completed,

    /// <summary>Failed; output holds the error.</summary>
    Failed,

    /// <summary>Terminated on request; output holds the reason.</summary>
    Terminated,
}
