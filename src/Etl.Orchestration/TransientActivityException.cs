namespace Etl.Orchestration;

/// <summary>
/// Thrown by an activity whose failure may succeed on retry (throttling, timeouts, connection resets, or a
/// <see cref="Etl.Core.Runs.FileResult"/> marked transient). Hosts retry exactly this type; any other exception is final.
/// </summary>
public sealed class TransientActivityException(string message, Exception? innerException = null)
    : EtlException(message, innerException, isTransient: true)
{
    /// <summary>Whether a failure reported by a host under the type name <paramref name="errorType"/> is this one (Durable's TaskFailureDetails.ErrorType).</summary>
    public static bool IsErrorType(string? errorType) => string.Equals(errorType, typeof(TransientActivityException).FullName, StringComparison.Ordinal);
}
