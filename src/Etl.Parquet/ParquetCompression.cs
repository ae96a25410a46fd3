namespace Etl.Parquet;

/// <summary>Page compression codec, chosen per file.</summary>
public enum ParquetCompression
{
    /// <summary>No compression.</summary>
    Uncompressed = 0,

    /// <summary>Snappy (the default everywhere in this field).</summary>
    Snappy = 1,

    /// <summary>GZIP (RFC 1952).</summary>
    Gzip = 2,
}
