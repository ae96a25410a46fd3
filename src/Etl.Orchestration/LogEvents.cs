namespace Etl.Orchestration;

/// <summary>Event ids of Etl.Orchestration logs: 6000-6099 runtime, 6100-6199 HTTP host, 6200-6299 triggers.</summary>
internal static class LogEvents
{
    public const int InstanceStarted = 6000;
    public const int InstanceResumed = 6001;
    public const int InstanceCompleted = 6002;
    public const int InstanceFailed = 6003;
    public const int InstanceTerminated = 6004;
    public const int InstanceInterrupted = 6005;
    public const int ActivityRetry = 6006;
    public const int WaitingForLease = 6007;
    public const int LeaseLost = 6008;
    public const int StatusSaveFailed = 6009;
    public const int SingletonReturned = 6010;
    public const int FenceTaken = 6011;
    public const int AbandonedWritesSwept = 6012;
    public const int LakeFenced = 6013;

    public const int HostListening = 6100;
    public const int Unauthorized = 6101;

    public const int ScheduleFired = 6200;
    public const int SensorFoundWork = 6201;
    public const int TriggerFailed = 6202;
    public const int EventIgnored = 6203;
    public const int SnsSubscriptionConfirmation = 6204;
    public const int EventGridValidation = 6205;
}
