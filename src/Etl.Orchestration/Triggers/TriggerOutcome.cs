using Etl.Orchestration.Local;

namespace Etl.Orchestration.Triggers;

/// <summary>What a trigger did.</summary>
/// <param name="Kind">Started a run, found one active, or found nothing new.</param>
/// <param name="Instance">The started or active instance.</param>
public sealed record TriggerOutcome(TriggerOutcomeKind Kind, InstanceState? Instance);

/// <summary>The kinds of <see cref="TriggerOutcome"/>.</summary>
public enum TriggerOutcomeKind
{
    /// <summary>A new run started.</summary>
    Started,

    /// <summary>A run was already active; it (or the re-check after it) picks the files up.</summary>
    AlreadyActive,

    /// <summary>Nothing new to process.</summary>
    NothingNew,
}
