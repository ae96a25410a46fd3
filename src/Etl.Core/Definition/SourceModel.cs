namespace Etl.Core.Definition;

/// <summary>Where a dataset's files come from when the pipeline fetches them itself (<c>source:</c>).</summary>
public abstract class SourceDefinition
{
    /// <summary>The key prefix under landing/ that fetched files go to, ending in '/'.</summary>
    public required string Landing { get; init; }

    /// <summary>Fetch at most once per this interval (<c>schedule: every 6h</c>); null to fetch on every run.</summary>
    public TimeSpan? Every { get; init; }
}

/// <summary>An HTTP(S) file fetched into landing/ with conditional GETs.</summary>
public sealed class UrlSourceDefinition : SourceDefinition
{
    /// <summary>The file's URL.</summary>
    public required Uri Url { get; init; }

    /// <summary>The landed file's name; by default the last segment of the URL's path.</summary>
    public required string FileName { get; init; }

    /// <summary>Headers sent with each request (e.g. User-Agent).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>A header whose value is read from an environment variable at fetch time and never logged (e.g. Authorization).</summary>
    public string? SecretHeader { get; init; }

    /// <summary>The environment variable holding <see cref="SecretHeader"/>'s value.</summary>
    public string? SecretEnv { get; init; }

    /// <summary>Largest download accepted, in bytes.</summary>
    public long MaxBytes { get; init; } = 10L << 30;

    /// <summary>A zip is unpacked into landing/ (entry names with spaces become underscores) and the zip kept under archive/.</summary>
    public bool Unzip { get; init; }

    /// <summary>Attempts for a transient failure (a 5xx, 408, 429, a timeout, a connection lost mid-body).</summary>
    public int Attempts { get; init; } = 4;

    /// <summary>Per-request timeout (headers and body).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);
}

/// <summary>
/// A table of an OLTP PostgreSQL database extracted incrementally: each run takes the rows whose watermark column is
/// past the stored watermark (with an overlap window, see docs/pipeline-definition.md) into <c>landing/&lt;table&gt;/&lt;extract&gt;.parquet</c>.
/// Only the definition lives here; the extractor is in Etl.Sources.Postgres.
/// </summary>
public sealed class PostgresSourceDefinition : SourceDefinition
{
    /// <summary>The environment variable holding the Npgsql connection string (never the string itself).</summary>
    public required string ConnectionEnv { get; init; }

    /// <summary>The table's schema (<c>public</c> unless written as <c>schema.table</c>).</summary>
    public required string Schema { get; init; }

    /// <summary>The table.</summary>
    public required string Table { get; init; }

    /// <summary>The watermark column: a timestamp, timestamptz or date that every insert and update sets, or an increasing integer id.</summary>
    public required string WatermarkColumn { get; init; }

    /// <summary>The columns identifying a row; empty to take the table's primary key.</summary>
    public IReadOnlyList<string> Key { get; init; } = [];

    /// <summary>The columns extracted; empty for all.</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    /// <summary>The overlap re-read below the watermark, for a time watermark; null when not written.</summary>
    public TimeSpan? LagTime { get; init; }

    /// <summary>The overlap re-read below the watermark, for an integer watermark (a number of ids); null when not written.</summary>
    public long? LagIds { get; init; }

    /// <summary>Rows fetched per page from the server-side cursor.</summary>
    public int PageRows { get; init; } = 10_000;
}
