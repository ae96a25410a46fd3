namespace Etl.Functions;

/// <summary>The app settings the host reads (documented in docs/azure-functions.md and local.settings.sample.json).</summary>
internal static class FunctionSettings
{
    public static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"App setting {name} is missing; see docs/azure-functions.md for the settings the host needs.");

    public static string? Optional(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>The singleton instance id of a pipeline: one running instance per pipeline, as <c>etl serve</c> keeps.</summary>
    public static string InstanceId(string pipeline) => "etl-" + pipeline;

    /// <summary>Files per batch sub-orchestration and files in flight per batch (ETL_BATCH_SIZE, ETL_MAX_PARALLEL_FILES).</summary>
    public static (int BatchSize, int? Parallel) Fanout() =>
        (int.TryParse(Optional("ETL_BATCH_SIZE"), out var b) ? b : 100, int.TryParse(Optional("ETL_MAX_PARALLEL_FILES"), out var p) ? p : null);

    /// <summary>ETL_LOAD_WAREHOUSE=true ends every run with the warehouse load and models of the definition's 'warehouse:' section.</summary>
    public static bool LoadWarehouse => bool.TryParse(Optional("ETL_LOAD_WAREHOUSE"), out var load) && load;
}
