using System.Text.Json.Serialization;

namespace Etl.Core.Sources;

/// <summary>Source-generated JSON for the sources' state under <c>_meta/sources/</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SourceState))]
internal sealed partial class SourceJson : JsonSerializerContext;
