namespace Etl.Orchestration.Local;

/// <summary>What a start request did: started <paramref name="Instance"/>, or returned the already active one.</summary>
/// <param name="Instance">The new instance, or the active one.</param>
/// <param name="Created">Whether a new instance was started.</param>
public sealed record StartOutcome(InstanceState Instance, bool Created);

/// <summary>Outcome of a terminate request.</summary>
public enum TerminateOutcome
{
    /// <summary>The instance was running and is now terminated.</summary>
    Terminated,

    /// <summary>No such instance.</summary>
    NotFound,

    /// <summary>The instance had already finished.</summary>
    AlreadyFinished,
}

/// <summary>Outcome of a purge request for one instance.</summary>
public enum PurgeOutcome
{
    /// <summary>The instance and its history were deleted.</summary>
    Purged,

    /// <summary>No such instance.</summary>
    NotFound,

    /// <summary>The instance is still active; terminate it first.</summary>
    StillActive,
}
