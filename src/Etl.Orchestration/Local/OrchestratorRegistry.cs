using System.Text.Json;

namespace Etl.Orchestration.Local;

/// <summary>The orchestrators the local runtime can run, by name, over JSON input (as Durable passes it).</summary>
internal static class OrchestratorRegistry
{
    public static async Task<object?> RunAsync(string name, IOrchestrationContext context, string inputJson) => name switch
    {
        ActivityNames.RunPipeline => await PipelineOrchestrator.RunAsync(context, Read<PipelineRunInput>(inputJson, name)).ConfigureAwait(true),
        ActivityNames.ProcessFileBatch => await PipelineOrchestrator.RunBatchAsync(context, Read<FileBatchInput>(inputJson, name)).ConfigureAwait(true),
        _ => throw new EtlException($"No orchestrator named '{name}'. Known orchestrators: {ActivityNames.RunPipeline}, {ActivityNames.ProcessFileBatch}."),
    };

    private static T Read<T>(string json, string name) =>
        JsonSerializer.Deserialize<T>(json, OrchestrationJson.Options) ?? throw new EtlException($"Orchestrator '{name}' got a null input.");
}
