using Microsoft.Extensions.Logging;

namespace Etl.Functions;

/// <summary>Source-generated log methods of Etl.Functions.</summary>
internal static partial class Log
{
    [LoggerMessage(LogEvents.RunStarted, LogLevel.Information, "Started run {InstanceId} ({Trigger})")]
    public static partial void RunStarted(ILogger logger, string instanceId, string trigger);

    [LoggerMessage(LogEvents.RunJoined, LogLevel.Information, "Run {InstanceId} is already active; {Trigger} joins it")]
    public static partial void RunJoined(ILogger logger, string instanceId, string trigger);

    [LoggerMessage(LogEvents.BlobLanded, LogLevel.Information, "Landed: landing/{Name}")]
    public static partial void BlobLanded(ILogger logger, string name);

    [LoggerMessage(LogEvents.QueueMessageIgnored, LogLevel.Information, "Queue message ({Length} chars) has no object-created key; ignored")]
    public static partial void QueueMessageIgnored(ILogger logger, int length);

    [LoggerMessage(LogEvents.QueueMessageMalformed, LogLevel.Warning, "Queue message ({Length} chars) is not JSON, so not an S3, SNS or EventBridge notification; dropped, not retried: {Error}")]
    public static partial void QueueMessageMalformed(ILogger logger, int length, string error);
}
