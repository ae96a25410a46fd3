using System.Text.Json;
using System.Text.Json.Serialization;

namespace Etl.Orchestration;

/// <summary>The JSON settings for everything that crosses the orchestration boundary and the HTTP API: camelCase, enums as strings.</summary>
public static class OrchestrationJson
{
    /// <summary>The shared options (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
