namespace Etl.Orchestration;

/// <summary>An activity or sub-orchestration failed (after any retries). Carries whether the cause was transient.</summary>
public sealed class ActivityFailedException : EtlException
{
    /// <summary>Creates the exception.</summary>
    public ActivityFailedException(string name, string message, bool isTransient, Exception? innerException = null)
        : base($"Activity '{name}' failed: {message}", innerException, isTransient)
    {
        Name = name;
        Reason = message;
    }

    /// <summary>The activity or sub-orchestration name.</summary>
    public string Name { get; }

    /// <summary>The failure message of the activity itself.</summary>
    public string Reason { get; }
}
