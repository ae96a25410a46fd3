namespace Etl.Orchestration;

/// <summary>
/// Exponential backoff for activities that failed transiently (throttling, timeouts, connection resets). Data errors
/// are never retried. The delay before attempt <c>n + 1</c> is <c>FirstDelay * BackoffCoefficient^(n - 1)</c>, capped
/// at <see cref="MaxDelay"/>.
/// </summary>
/// <param name="MaxAttempts">Attempts in all, including the first; 1 disables retries.</param>
/// <param name="FirstDelay">Delay before the second attempt.</param>
/// <param name="BackoffCoefficient">Growth factor of the delay, at least 1.</param>
/// <param name="MaxDelay">Upper bound of any one delay.</param>
public sealed record ActivityRetryPolicy(int MaxAttempts, TimeSpan FirstDelay, double BackoffCoefficient, TimeSpan MaxDelay)
{
    /// <summary>The default: 4 attempts, 5 s, doubling, at most 1 min.</summary>
    public static ActivityRetryPolicy Default { get; } = new(4, TimeSpan.FromSeconds(5), 2.0, TimeSpan.FromMinutes(1));

    /// <summary>No retries.</summary>
    public static ActivityRetryPolicy None { get; } = new(1, TimeSpan.Zero, 1.0, TimeSpan.Zero);

    /// <summary>The delay after failed attempt <paramref name="attempt"/> (1-based), before the next one.</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var coefficient = Math.Max(1.0, BackoffCoefficient);
        var ms = FirstDelay.TotalMilliseconds * Math.Pow(coefficient, attempt - 1);
        return ms >= MaxDelay.TotalMilliseconds ? MaxDelay : TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Whether another attempt follows failed attempt <paramref name="attempt"/> with an error of this kind.</summary>
    public bool ShouldRetry(int attempt, bool isTransient) => isTransient && attempt < MaxAttempts;
}
