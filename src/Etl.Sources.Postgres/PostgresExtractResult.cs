namespace Etl.Sources.Postgres;

/// <summary>What an extract of one table did.</summary>
public enum PostgresExtractOutcome
{
    /// <summary>New or changed rows were landed as one Parquet file.</summary>
    Extracted,

    /// <summary>No row past the watermark: nothing was written.</summary>
    NoNewRows,

    /// <summary>The schedule's interval since the last extract has not passed.</summary>
    NotDue,

    /// <summary>The extract failed; nothing of it was landed and the watermark did not move.</summary>
    Failed,
}

/// <summary>The result of extracting one dataset's table.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Table">The table, as <c>schema.table</c>.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="Landed">The landed key, when rows were extracted.</param>
/// <param name="Rows">Rows written to the landed file.</param>
/// <param name="Skipped">Rows re-read in the overlap window and skipped because that version was extracted before.</param>
/// <param name="Watermark">The watermark the extract reached (or stands at), for display.</param>
/// <param name="Note">A short explanation, for display.</param>
/// <param name="IsTransient">For a failed extract: whether a retry may succeed (no connection, a serialization failure).</param>
public sealed record PostgresExtractResult(
    string Dataset,
    string Table,
    PostgresExtractOutcome Outcome,
    string? Landed,
    long Rows,
    long Skipped,
    string? Watermark,
    string? Note,
    bool IsTransient = false);

/// <summary>What advancing the watermarks after a commit did for one dataset.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Committed">The committed watermark now, for display (null before the first committed extract).</param>
/// <param name="Advanced">Whether it moved.</param>
/// <param name="Waiting">Landed extracts the manifest does not record yet (the next run processes them).</param>
/// <param name="Note">A warning, if any.</param>
public sealed record PostgresAdvanceResult(string Dataset, string? Committed, bool Advanced, int Waiting, string? Note);
