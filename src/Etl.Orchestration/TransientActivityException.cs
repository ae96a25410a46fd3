namespace Etl.Orchestration;

/// <summary>
/// Thrown by an activity whose failure may succeed on retry (throttling, timeouts, connection resets, or a
/// <see cref="Etl.Core.Runs.FileResult"/> marked transient). Hosts retry exactly this type; any other exception is final.
/// </summary>
public sealed class TransientActivityException(string message, Exception? innerException = null)
    : EtlException(message, innerException, isTransient: true);
