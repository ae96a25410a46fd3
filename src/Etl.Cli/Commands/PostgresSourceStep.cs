using Etl.Core.Definition;
using Etl.Sources.Postgres;
using Etl.Storage;

namespace Etl.Cli.Commands;

/// <summary>
/// The PostgreSQL extracts of a run, while it holds the lake: each declared table's new rows are landed before the
/// orchestration discovers files, and after it completes the watermarks move over what the commit recorded. What each
/// did goes to stderr, so --json stays clean.
/// </summary>
internal sealed class PostgresSourceStep(PipelineDefinition definition, TextWriter stderr)
{
    /// <summary>False when an extract failed (the run still processes what is landed).</summary>
    public bool Ok { get; private set; } = true;

    /// <summary>The hooks for <see cref="OrchestratedRun"/>; null when no dataset has a PostgreSQL source.</summary>
    public OrchestratedRun.Hooks? Hooks =>
        definition.Datasets.Any(d => d.Source is PostgresSourceDefinition) ? new OrchestratedRun.Hooks(ExtractAsync, AdvanceAsync) : null;

    private async Task ExtractAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        foreach (var r in await new PostgresExtractor(definition, store).ExtractAsync(cancellationToken).ConfigureAwait(false))
        {
            var line = r.Outcome switch
            {
                PostgresExtractOutcome.Extracted => $"Source {r.Dataset}: extracted {r.Rows:N0} row(s) from {r.Table} up to {r.Watermark} -> {r.Landed}"
                    + (r.Skipped > 0 ? $" ({r.Skipped:N0} re-read in the overlap window and skipped)" : ""),
                PostgresExtractOutcome.NoNewRows => $"Source {r.Dataset}: no new rows in {r.Table} (watermark {r.Watermark ?? "none yet"})",
                PostgresExtractOutcome.NotDue => $"Source {r.Dataset}: not due ({r.Note})",
                _ => $"Source {r.Dataset} failed: {r.Note}",
            };
            Ok &= r.Outcome != PostgresExtractOutcome.Failed;
            await stderr.WriteLineAsync(line).ConfigureAwait(false);
        }
    }

    private async Task AdvanceAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        foreach (var r in await new PostgresExtractor(definition, store).AdvanceAsync(cancellationToken).ConfigureAwait(false))
        {
            if (r.Note is { } note)
            {
                await stderr.WriteLineAsync($"Source {r.Dataset}: {note}").ConfigureAwait(false);
            }

            if (r.Waiting > 0)
            {
                await stderr.WriteLineAsync($"Source {r.Dataset}: {r.Waiting} landed extract(s) not committed yet; the next run processes them before the watermark moves.").ConfigureAwait(false);
            }
        }
    }
}
