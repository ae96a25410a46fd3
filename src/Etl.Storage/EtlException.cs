namespace Etl;

/// <summary>
/// The root of every exception the product throws on purpose. <see cref="IsTransient"/> drives retry policy:
/// transient failures (throttling, timeouts, connection resets) are retried with backoff, everything else fails at once.
/// Messages say what went wrong, where (file, line, column, key) and what to do about it.
/// </summary>
public class EtlException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EtlException(string message, Exception? innerException = null, bool isTransient = false)
        : base(message, innerException) => IsTransient = isTransient;

    /// <summary>Whether retrying the same operation later may succeed.</summary>
    public bool IsTransient { get; }
}
