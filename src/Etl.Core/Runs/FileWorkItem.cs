namespace Etl.Core.Runs;

/// <summary>One landed file version chosen for processing. Small and JSON-serialisable: it travels as an activity input.</summary>
/// <param name="Key">Object key in the lake, e.g. <c>landing/partners/acme/2024-01.csv</c>.</param>
/// <param name="Size">Size in bytes when discovered.</param>
/// <param name="ETag">Version tag when discovered; the file version is (key, size, ETag).</param>
/// <param name="Dataset">Dataset the file matched.</param>
/// <param name="SourceId">Stable id derived from the key: names the file's outputs so a reprocess replaces exactly them.</param>
/// <param name="Reason">Why it is processed: <c>new</c>, <c>changed</c>, <c>retry</c>, <c>reprocess</c>.</param>
public sealed record FileWorkItem(string Key, long Size, string ETag, string Dataset, string SourceId, string Reason);
