using System.Text.Json.Serialization;
using Etl.Core.Runs;

namespace Etl.Core.Pipeline;

/// <summary>Source-generated JSON for everything the pipeline writes to <c>_meta/</c> and prints with --json.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ManifestRecord))]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(QuarantineSidecar))]
[JsonSerializable(typeof(RejectRecord))]
public sealed partial class EtlJson : JsonSerializerContext;

/// <summary>The <c>.error.json</c> beside a quarantined file.</summary>
/// <remarks><see cref="KeptOutputs"/>: when an earlier version of the file succeeded, its output files, which stay in
/// processed/ until a version of the file succeeds again.</remarks>
public sealed record QuarantineSidecar(string Source, string Dataset, string Reason, string Fix, IReadOnlyList<string>? MissingColumns, IReadOnlyList<string>? ColumnsFound, long? Line, string RunId, IReadOnlyList<string>? KeptOutputs = null);

/// <summary>One rejected row in <c>rejects/</c>.</summary>
public sealed record RejectRecord(string Source, long Line, string? Column, string? Value, string Reason);
