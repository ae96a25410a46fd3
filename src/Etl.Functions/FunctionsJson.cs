using Azure.Core.Serialization;
using Etl.Orchestration;

namespace Etl.Functions;

/// <summary>
/// The worker's serializer: <see cref="OrchestrationJson.Options"/> (camelCase, enums as strings), the settings of the
/// local host. Durable Functions serializes orchestration inputs, outputs and custom status with the worker's
/// serializer, so the status endpoint answers the same JSON as <c>etl serve</c>.
/// </summary>
internal static class FunctionsJson
{
    public static ObjectSerializer Serializer { get; } = new JsonObjectSerializer(OrchestrationJson.Options);
}
