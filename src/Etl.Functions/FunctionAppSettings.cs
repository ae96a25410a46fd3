using System.Globalization;

namespace Etl.Functions;

/// <summary>
/// The app settings the host reads (docs/orchestration.md lists them; local.settings.sample.json and infra/main.bicep
/// set them). Read once at start, so a bad value fails the host before any function runs.
/// </summary>
/// <param name="PipelineConfig">Full path of the pipeline definition (ETL_PIPELINE_CONFIG, relative to the app's own folder).</param>
/// <param name="Lake">Lake URI (ETL_LAKE); <see langword="null"/> for the definition's <c>lake</c>.</param>
/// <param name="BatchSize">Files per batch sub-orchestration (ETL_BATCH_SIZE).</param>
/// <param name="MaxParallelFiles">Files in flight per batch (ETL_MAX_PARALLEL_FILES); <see langword="null"/> for the definition's.</param>
/// <param name="LoadWarehouse">End every run with the warehouse load and models (ETL_LOAD_WAREHOUSE).</param>
internal sealed record FunctionAppSettings(string PipelineConfig, string? Lake = null, int BatchSize = 100, int? MaxParallelFiles = null, bool LoadWarehouse = false)
{
    /// <summary>Where eng/publish-functions.sh puts the definition inside the app.</summary>
    public const string DefaultPipelineConfig = "pipeline/pipeline.yaml";

    /// <summary>Reads the settings from <paramref name="read"/> (the environment by default).</summary>
    public static FunctionAppSettings FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        string? Value(string name) => read(name) is { Length: > 0 } v ? v.Trim() : null;

        return new FunctionAppSettings(
            ResolvePath(Value("ETL_PIPELINE_CONFIG") ?? DefaultPipelineConfig),
            Value("ETL_LAKE"),
            PositiveInt("ETL_BATCH_SIZE", Value("ETL_BATCH_SIZE")) ?? 100,
            PositiveInt("ETL_MAX_PARALLEL_FILES", Value("ETL_MAX_PARALLEL_FILES")),
            Value("ETL_LOAD_WAREHOUSE") is { } load
                ? bool.TryParse(load, out var b) ? b : throw new InvalidOperationException($"App setting ETL_LOAD_WAREHOUSE is '{load}': set it to true or false (see docs/orchestration.md).")
                : false);
    }

    /// <summary>
    /// A path as the app settings give it: absolute as is, relative against the app's own folder
    /// (<see cref="AppContext.BaseDirectory"/>), never the working directory, which the Functions host does not promise.
    /// </summary>
    public static string ResolvePath(string path) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path));

    /// <summary>The singleton instance id of a pipeline: one active run per pipeline, as <c>etl serve</c> keeps.</summary>
    public static string InstanceId(string pipeline) => "etl-" + pipeline;

    private static int? PositiveInt(string name, string? value)
    {
        if (value is null)
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n
            : throw new InvalidOperationException($"App setting {name} is '{value}': a whole number of at least 1 is expected (see docs/orchestration.md).");
    }
}
