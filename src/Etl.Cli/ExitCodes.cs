namespace Etl.Cli;

/// <summary>Exit codes scripts can rely on.</summary>
internal static class ExitCodes
{
    /// <summary>Every file succeeded, or there was nothing new.</summary>
    public const int Success = 0;

    /// <summary>The run finished but some files were quarantined or failed.</summary>
    public const int FilesFailed = 1;

    /// <summary>Configuration or usage error: nothing was touched.</summary>
    public const int ConfigurationError = 2;

    /// <summary>Unexpected error (a bug or an unreachable store).</summary>
    public const int Unexpected = 3;

    /// <summary>Another <c>etl run</c> or <c>etl serve</c> holds the lake; nothing was started.</summary>
    public const int LakeBusy = 4;

    /// <summary>The run committed its files but the warehouse load step (<c>--load-warehouse</c>) failed.</summary>
    public const int WarehouseFailed = 5;

    /// <summary>The lake could not be read or written (disk full, permission denied, the store unreachable); nothing half-done is visible.</summary>
    public const int StorageFault = 6;
}
