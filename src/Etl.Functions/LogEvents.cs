namespace Etl.Functions;

/// <summary>Event ids of Etl.Functions logs: 7000-7099 triggers.</summary>
internal static class LogEvents
{
    public const int RunStarted = 7000;
    public const int RunJoined = 7001;
    public const int BlobLanded = 7002;
    public const int QueueMessageIgnored = 7003;
    public const int QueueMessageMalformed = 7004;
}
