namespace Etl.Orchestration.Local;

/// <summary>Settings of the local durable runtime.</summary>
public sealed class LocalRuntimeOptions
{
    /// <summary>Key of the lease that makes one runtime at a time the owner of a lake's instances.</summary>
    public const string LeaseKey = "_meta/locks/orchestration.lease";

    /// <summary>How long the runtime's lease lives without renewal (a crashed host's lease expires after this). Default 30 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a waiting runtime tries to take the lease. Default 1 s.</summary>
    public TimeSpan LeaseRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Least time between two saves of a running instance's custom status. Default 1 s.</summary>
    public TimeSpan StatusSaveInterval { get; set; } = TimeSpan.FromSeconds(1);
}
