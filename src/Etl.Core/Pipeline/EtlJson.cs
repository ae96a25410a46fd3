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
[JsonSerializable(typeof(DiscoverResult))]
public sealed partial class EtlJson : JsonSerializerContext;

/// <summary>The <c>.error.json</c> beside a quarantined file.</summary>
/// <remarks><see cref="KeptOutputs"/>: when an earlier version of the file succeeded, its output files, which stay in
/// processed/ until a version of the file succeeds again.</remarks>
public sealed record QuarantineSidecar(string Source, string Dataset, string Reason, string Fix, IReadOnlyList<string>? MissingColumns, IReadOnlyList<string>? ColumnsFound, long? Line, string RunId, IReadOnlyList<string>? KeptOutputs = null);

/// <summary>One rejected row in <c>rejects/</c>.</summary>
/// <remarks>
/// <see cref="Column"/>, <see cref="Value"/> and <see cref="Reason"/> name the first problem; <see cref="Problems"/> every
/// bad column of the row (when typing rejected it). <see cref="Record"/> is the row as a CSV record in the file's header
/// order and delimiter (at most <see cref="RejectedRecordText.MaxBytes"/> bytes; <see cref="RecordTruncated"/> when cut),
/// so that a fixed file can be rebuilt from the rejects; <see cref="Header"/> is the file's header line, on the first
/// reject of each file or zip entry.
/// </remarks>
public sealed record RejectRecord(
    string Source,
    long Line,
    string? Column,
    string? Value,
    string Reason,
    IReadOnlyList<RejectProblem>? Problems = null,
    string? Record = null,
    bool? RecordTruncated = null,
    string? Header = null);

/// <summary>One bad column of a rejected row.</summary>
public sealed record RejectProblem(string Column, string Value, string Reason);
