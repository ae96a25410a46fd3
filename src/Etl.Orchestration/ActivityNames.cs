namespace Etl.Orchestration;

/// <summary>The names under which activities and orchestrators are registered, the same in every host.</summary>
public static class ActivityNames
{
    /// <summary>The pipeline orchestrator.</summary>
    public const string RunPipeline = "RunPipeline";

    /// <summary>The batch sub-orchestrator.</summary>
    public const string ProcessFileBatch = "ProcessFileBatch";

    /// <summary>FetchSources activity: lands the declared sources (URL files, PostgreSQL extracts), before Discover.</summary>
    public const string FetchSources = "FetchSources";

    /// <summary>Discover activity.</summary>
    public const string Discover = "Discover";

    /// <summary>ProcessFile activity.</summary>
    public const string ProcessFile = "ProcessFile";

    /// <summary>Commit activity.</summary>
    public const string Commit = "Commit";

    /// <summary>Warehouse load activity.</summary>
    public const string LoadWarehouse = "LoadWarehouse";
}
