namespace Etl.Storage;

/// <summary>What a store knows about one object: its key relative to the store root, size, version tag and time.</summary>
/// <param name="Key">Forward-slash key relative to the store root, e.g. <c>landing/partners/acme/2024-01.csv</c>.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="ETag">Opaque version tag, unquoted. Changes whenever the content changes.</param>
/// <param name="LastModified">Last write time reported by the store (UTC).</param>
public sealed record ObjectInfo(string Key, long Size, string ETag, DateTimeOffset LastModified);
