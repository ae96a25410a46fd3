namespace Etl.Parquet;

/// <summary>Settings of a <see cref="ParquetFileWriter"/>.</summary>
public sealed class ParquetWriterOptions
{
    /// <summary>Page compression. Default Snappy.</summary>
    public ParquetCompression Compression { get; set; } = ParquetCompression.Snappy;

    /// <summary>A row group is closed once its uncompressed size estimate passes this. Default 128 MiB.</summary>
    public long RowGroupSizeBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>A row group is closed once it holds this many rows. Default 1,000,000.</summary>
    public int RowGroupMaxRows { get; set; } = 1_000_000;

    /// <summary>Target uncompressed size of a data page. Default 1 MiB.</summary>
    public int PageSizeBytes { get; set; } = 1024 * 1024;

    /// <summary>Dictionary-encode string columns. Default true.</summary>
    public bool DictionaryEnabled { get; set; } = true;

    /// <summary>When a column's dictionary passes this size the column falls back to PLAIN for the rest of the row group. Default 1 MiB.</summary>
    public int DictionaryPageSizeLimitBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Longest string min/max statistic kept in the footer, in bytes; longer ones are truncated to a bound and marked
    /// inexact, as the Parquet specification allows. Default 64 (what parquet-java uses for its column index).
    /// </summary>
    public int StatisticsTruncateLength { get; set; } = 64;

    /// <summary>Key-value metadata written in the footer.</summary>
    public IDictionary<string, string> KeyValueMetadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The footer's created_by.</summary>
    public string CreatedBy { get; set; } = "etl-parquet version 0.1.0";
}
