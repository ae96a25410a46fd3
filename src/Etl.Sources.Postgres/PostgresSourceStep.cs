using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Core.Sources;
using Etl.Storage;

namespace Etl.Sources.Postgres;

/// <summary>
/// The PostgreSQL sources (<c>source: { postgres: ... }</c>) as a source step of the FetchSources activity, which runs
/// first in every run, while the host holds the lake. It first moves each table's committed watermark over the extracts
/// the manifest records by now (those of the runs before, whose commit came after their extract), then extracts each
/// table's new rows. A failure that may pass (no connection) is marked transient, so the orchestrator retries the activity.
/// </summary>
/// <param name="options">Extractor options; the defaults when null.</param>
public sealed class PostgresSourceStep(PostgresExtractorOptions? options = null) : ISourceStep
{
    /// <inheritdoc />
    public string Kind => "postgres";

    /// <inheritdoc />
    public bool Runs(SourceDefinition source) => source is PostgresSourceDefinition;

    /// <inheritdoc />
    public async Task<FetchSourcesResult> FetchAsync(PipelineDefinition definition, IObjectStore store, CancellationToken cancellationToken)
    {
        var extractor = new PostgresExtractor(definition, store, options);
        if (!extractor.Any)
        {
            return new FetchSourcesResult([], []);
        }

        // One read of the manifest for both steps: moving the watermarks writes only the sources' state files.
        var manifest = await Manifest.LoadAsync(store, cancellationToken).ConfigureAwait(false);
        var notices = new List<string>();
        try
        {
            foreach (var r in await extractor.AdvanceAsync(manifest, cancellationToken).ConfigureAwait(false))
            {
                if (r.Note is { } note)
                {
                    notices.Add($"Source {r.Dataset}: {note}");
                }

                if (r.Waiting > 0)
                {
                    notices.Add($"Source {r.Dataset}: {r.Waiting} landed extract(s) of an earlier run not committed yet; this run processes them before the watermark moves.");
                }
            }
        }
        catch (EtlException ex) when (ex is not StorageException)
        {
            // A state that no longer fits the source: the extract below reports it for its dataset.
        }

        var results = new List<SourceResult>();
        foreach (var r in await extractor.ExtractAsync(manifest, cancellationToken).ConfigureAwait(false))
        {
            var (outcome, message) = r.Outcome switch
            {
                PostgresExtractOutcome.Extracted => (SourceOutcome.Extracted, $"Source {r.Dataset}: extracted {r.Rows:N0} row(s) from {r.Table} up to {r.Watermark} -> {r.Landed}"
                    + (r.Skipped > 0 ? $" ({r.Skipped:N0} re-read in the overlap window and skipped)" : "")),
                PostgresExtractOutcome.NoNewRows => (SourceOutcome.NoNewRows, $"Source {r.Dataset}: no new rows in {r.Table} (watermark {r.Watermark ?? "none yet"})"),
                PostgresExtractOutcome.NotDue => (SourceOutcome.NotDue, $"Source {r.Dataset}: not due ({r.Note})"),
                _ => (SourceOutcome.Failed, $"Source {r.Dataset} failed: {r.Note}"),
            };
            results.Add(new SourceResult(r.Dataset, Kind, outcome, r.Landed is { } key ? [key] : [], r.Rows, 0, r.Note, message, r.IsTransient));
        }

        return new FetchSourcesResult(results, notices);
    }
}
