using System.Text.RegularExpressions;
using Etl.Core.Enrichment.Code;
using Etl.Core.Enrichment.Definition;
using Etl.Parquet;

namespace Etl.Core.Definition;

/// <summary>A loaded, validated pipeline definition (pipeline.yaml).</summary>
public sealed class PipelineDefinition
{
    /// <summary>Pipeline name.</summary>
    public required string Name { get; init; }

    /// <summary>Lake root: a folder path (resolved against the YAML file's folder) or a URI.</summary>
    public required string Lake { get; init; }

    /// <summary>The YAML file it came from (for messages).</summary>
    public required string SourcePath { get; init; }

    /// <summary>Datasets, in file order.</summary>
    public required IReadOnlyList<DatasetDefinition> Datasets { get; init; }

    /// <summary>Hash of every dataset's <see cref="DatasetDefinition.Version"/>, for display.</summary>
    public required string Version { get; init; }

    /// <summary>The code transforms the definition was checked against (and that its <c>code:</c> steps run).</summary>
    public CodeTransformRegistry CodeTransforms { get; init; } = CodeTransformRegistry.BuiltIn;

    /// <summary>Files processed at once.</summary>
    public int MaxParallelFiles { get; init; } = 2;

    /// <summary>Whether any dataset declares a <c>source:</c> (runs then start with the FetchSources activity).</summary>
    public bool HasSources => Datasets.Any(d => d.Source is not null);

    /// <summary>Largest number of bytes one .gz or .zip file may expand to (all entries together); past it the file is quarantined.</summary>
    public long MaxUncompressedBytes { get; init; } = 20L * 1024 * 1024 * 1024;

    /// <summary>Output compression.</summary>
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>Largest single CSV value in bytes; a row with a longer one is rejected, naming the column.</summary>
    public long MaxValueBytes { get; init; } = 16L * 1024 * 1024;
}

/// <summary>What to do with columns the file has and the definition does not.</summary>
public enum ExtraColumnsPolicy
{
    /// <summary>Keep them as a JSON object in a <c>_rescued</c> string column.</summary>
    Rescue,

    /// <summary>Ignore them.</summary>
    Drop,

    /// <summary>Quarantine the file.</summary>
    RejectFile,
}

/// <summary>What to do with a row that fails typing or validation.</summary>
public enum BadRowsPolicy
{
    /// <summary>Write the row to rejects/ with the reason; the file still succeeds.</summary>
    Reject,

    /// <summary>Quarantine the whole file.</summary>
    FailFile,
}

/// <summary>One dataset: which landed files it takes and how they become rows.</summary>
public sealed class DatasetDefinition
{
    /// <summary>Dataset name (a folder under processed/).</summary>
    public required string Name { get; init; }

    /// <summary>The glob as written, e.g. <c>landing/partners/{partner}/*.csv*</c>.</summary>
    public required string Match { get; init; }

    /// <summary>The glob compiled: <c>{name}</c> captures one path segment, <c>*</c> any characters but '/', <c>**</c> anything.</summary>
    public required Regex MatchRegex { get; init; }

    /// <summary>Names captured by the glob.</summary>
    public required IReadOnlyList<string> Captures { get; init; }

    /// <summary>CSV delimiter.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>How the landed files are read (<c>format: { type: ... }</c>).</summary>
    public InputFormat Format { get; init; } = InputFormat.Csv;

    /// <summary>The text encoding of CSV and JSON lines files (<c>format: { encoding: ... }</c>); transcoded to UTF-8 while streaming.</summary>
    public TextEncoding Encoding { get; init; } = TextEncoding.Utf8;

    /// <summary>Declared columns, in output order.</summary>
    public required IReadOnlyList<ColumnDefinition> Columns { get; init; }

    /// <summary>Extra-columns policy.</summary>
    public ExtraColumnsPolicy ExtraColumns { get; init; } = ExtraColumnsPolicy.Rescue;

    /// <summary>Bad-rows policy.</summary>
    public BadRowsPolicy OnBadRows { get; init; } = BadRowsPolicy.Reject;

    /// <summary>
    /// Most rows one file may reject before the whole file is quarantined instead (like Snowpipe's
    /// <c>ON_ERROR = SKIP_FILE_n</c>); null for no limit.
    /// </summary>
    public long? MaxRejects { get; init; } = DefaultMaxRejects;

    /// <summary>
    /// Largest share (0..1) of a file's rows that may be rejected before the whole file is quarantined instead (like
    /// Snowpipe's <c>ON_ERROR = SKIP_FILE_n%</c>), judged when the file has been read; null for no limit.
    /// </summary>
    public double? MaxRejectRatio { get; init; }

    /// <summary>The reject count limit when a dataset sets none: a file rejecting more rows is not worth keeping row by row.</summary>
    public const long DefaultMaxRejects = 100_000;

    /// <summary>Partition keys, outermost first.</summary>
    public required IReadOnlyList<PartitionKey> PartitionBy { get; init; }

    /// <summary>The source the pipeline fetches this dataset's files from itself; null when files are dropped into landing/.</summary>
    public SourceDefinition? Source { get; init; }

    /// <summary>Transforms between typing and partitioning, in order (empty for none).</summary>
    public IReadOnlyList<TransformDefinition> Transforms { get; init; } = [];

    /// <summary>
    /// Hash of this dataset's normalised definition, the output compression and the versions of the code transforms it
    /// names. A file processed under another version is processed again by the next run.
    /// </summary>
    public string Version { get; init; } = "";
}

/// <summary>A declared column.</summary>
public sealed class ColumnDefinition
{
    /// <summary>Output name.</summary>
    public required string Name { get; init; }

    /// <summary>The Parquet field it becomes.</summary>
    public required ParquetField Field { get; init; }

    /// <summary>A file missing this column is quarantined; an empty value is a bad row.</summary>
    public bool Required { get; init; }

    /// <summary>Date/timestamp format (.NET custom format, e.g. <c>M/d/yyyy</c>); null for ISO.</summary>
    public string? Format { get; init; }

    /// <summary>Other header names that map to this column (case-insensitive).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>Longest string accepted, in characters; null for no limit.</summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// For JSON lines and Parquet input: the path of a nested field (<c>path: customer.address.city</c>), as segments;
    /// null to match the column by name or alias at the top level.
    /// </summary>
    public IReadOnlyList<string>? Path { get; init; }
}

/// <summary>The format of a dataset's landed files.</summary>
public enum InputFormat
{
    /// <summary>Delimited text with a header row.</summary>
    Csv,

    /// <summary>JSON lines: one JSON object per line.</summary>
    Jsonl,

    /// <summary>Apache Parquet.</summary>
    Parquet,
}

/// <summary>The declared text encoding of CSV and JSON lines files.</summary>
public enum TextEncoding
{
    /// <summary>UTF-8 (a leading BOM is skipped).</summary>
    Utf8,

    /// <summary>ISO-8859-1: every byte is the code point of the same value.</summary>
    Latin1,

    /// <summary>Windows code page 1252 (Latin-1 with printable characters in 0x80-0x9F; five bytes there are undefined).</summary>
    Windows1252,

    /// <summary>UTF-16, little-endian unless a byte order mark says big-endian.</summary>
    Utf16,

    /// <summary>UTF-16 little-endian (a BOM, if any, is skipped).</summary>
    Utf16LittleEndian,

    /// <summary>UTF-16 big-endian (a BOM, if any, is skipped).</summary>
    Utf16BigEndian,
}

/// <summary>Where a partition key's value comes from.</summary>
public enum PartitionSource
{
    /// <summary>A column's value.</summary>
    Column,

    /// <summary>A <c>{name}</c> capture of the landed key.</summary>
    Capture,

    /// <summary>year() of a date column.</summary>
    Year,

    /// <summary>month() of a date column.</summary>
    Month,

    /// <summary>day() of a date column.</summary>
    Day,
}

/// <summary>One partition key: <c>name=value</c> in the output path.</summary>
/// <param name="Name">The key name in the path.</param>
/// <param name="Source">Where the value comes from.</param>
/// <param name="Column">Column index (for column and date functions) into the dataset's columns, or -1.</param>
/// <param name="Capture">Capture name, for <see cref="PartitionSource.Capture"/>.</param>
public sealed record PartitionKey(string Name, PartitionSource Source, int Column, string? Capture);
