using Microsoft.Extensions.Logging;

namespace Etl.Orchestration;

/// <summary>Source-generated log methods of Etl.Orchestration.</summary>
internal static partial class Log
{
    [LoggerMessage(LogEvents.InstanceStarted, LogLevel.Information, "Started instance {InstanceId} of {Name} (trigger {Trigger})")]
    public static partial void InstanceStarted(ILogger logger, string instanceId, string name, string trigger);

    [LoggerMessage(LogEvents.InstanceResumed, LogLevel.Information, "Resuming instance {InstanceId} of {Name} with {Recorded} recorded results")]
    public static partial void InstanceResumed(ILogger logger, string instanceId, string name, int recorded);

    [LoggerMessage(LogEvents.InstanceCompleted, LogLevel.Information, "Instance {InstanceId} completed")]
    public static partial void InstanceCompleted(ILogger logger, string instanceId);

    [LoggerMessage(LogEvents.InstanceFailed, LogLevel.Error, "Instance {InstanceId} failed")]
    public static partial void InstanceFailed(ILogger logger, string instanceId, Exception exception);

    [LoggerMessage(LogEvents.InstanceTerminated, LogLevel.Warning, "Instance {InstanceId} terminated: {Reason}")]
    public static partial void InstanceTerminated(ILogger logger, string instanceId, string reason);

    [LoggerMessage(LogEvents.InstanceInterrupted, LogLevel.Information, "Instance {InstanceId} interrupted by shutdown; the next start resumes it")]
    public static partial void InstanceInterrupted(ILogger logger, string instanceId);

    [LoggerMessage(LogEvents.ActivityRetry, LogLevel.Warning, "Activity {Name} failed transiently (attempt {Attempt}); retrying in {DelayMs} ms: {Error}")]
    public static partial void ActivityRetry(ILogger logger, string name, int attempt, double delayMs, string error);

    [LoggerMessage(LogEvents.WaitingForLease, LogLevel.Warning, "Another host holds the orchestration lease {Key} on {Lake}; waiting for it")]
    public static partial void WaitingForLease(ILogger logger, string key, string lake);

    [LoggerMessage(LogEvents.FenceTaken, LogLevel.Information, "Took the lake {Lake} at fencing generation {Generation}")]
    public static partial void FenceTaken(ILogger logger, string lake, long generation);

    [LoggerMessage(LogEvents.AbandonedWritesSwept, LogLevel.Information, "Removed {Count} leftover(s) of writes that a stopped host never finished, in {Lake}")]
    public static partial void AbandonedWritesSwept(ILogger logger, int count, string lake);

    [LoggerMessage(LogEvents.LakeFenced, LogLevel.Error, "Instance {InstanceId} stopped: {Reason}")]
    public static partial void LakeFenced(ILogger logger, string instanceId, string reason);

    [LoggerMessage(LogEvents.LeaseLost, LogLevel.Error, "The orchestration lease {Key} was lost; stopping every running instance (they resume on the next start)")]
    public static partial void LeaseLost(ILogger logger, string key, Exception exception);

    [LoggerMessage(LogEvents.StatusSaveFailed, LogLevel.Warning, "Could not save the status of instance {InstanceId}; will retry")]
    public static partial void StatusSaveFailed(ILogger logger, string instanceId, Exception exception);

    [LoggerMessage(LogEvents.SingletonReturned, LogLevel.Information, "A run is already active ({InstanceId}); returning it instead of starting another")]
    public static partial void SingletonReturned(ILogger logger, string instanceId);

    [LoggerMessage(LogEvents.HostListening, LogLevel.Information, "Listening on {Url} (API key {KeyState})")]
    public static partial void HostListening(ILogger logger, string url, string keyState);

    [LoggerMessage(LogEvents.Unauthorized, LogLevel.Warning, "Rejected {Method} {Path}: missing or wrong API key")]
    public static partial void Unauthorized(ILogger logger, string method, string path);

    [LoggerMessage(LogEvents.ScheduleFired, LogLevel.Information, "Schedule {Schedule} fired")]
    public static partial void ScheduleFired(ILogger logger, string schedule);

    [LoggerMessage(LogEvents.SensorFoundWork, LogLevel.Information, "New-file sensor found {Count} files to process")]
    public static partial void SensorFoundWork(ILogger logger, int count);

    [LoggerMessage(LogEvents.TriggerFailed, LogLevel.Error, "Trigger {Trigger} failed")]
    public static partial void TriggerFailed(ILogger logger, string trigger, Exception exception);

    [LoggerMessage(LogEvents.EventIgnored, LogLevel.Information, "Storage event for {Key} ignored: {Reason}")]
    public static partial void EventIgnored(ILogger logger, string key, string reason);

    [LoggerMessage(LogEvents.SnsSubscriptionConfirmation, LogLevel.Warning, "SNS subscription confirmation received for topic {TopicArn}; confirm it by visiting the SubscribeURL: {SubscribeUrl}")]
    public static partial void SnsSubscriptionConfirmation(ILogger logger, string topicArn, string subscribeUrl);

    [LoggerMessage(LogEvents.EventGridValidation, LogLevel.Information, "Event Grid subscription validation answered")]
    public static partial void EventGridValidation(ILogger logger);
}
