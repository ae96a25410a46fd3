using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Storage;

namespace Etl.Sources.Postgres;

/// <summary>
/// Extracts every dataset whose <c>source:</c> is a PostgreSQL table into landing/, before discovery, and moves each
/// table's committed watermark over what the manifest records. Run it while holding the lake (the FetchSources activity
/// of <c>etl run</c> and <c>etl serve</c> does, through <see cref="PostgresSourceStep"/>): two extractors of one lake at
/// once would extract the same rows twice.
/// </summary>
/// <remarks>
/// A table is extracted from the last extract landed (recorded or not), so a landed extract that a stopped run left
/// unprocessed is neither lost nor extracted again; the committed watermark in <c>_meta/sources/&lt;dataset&gt;.json</c>
/// moves only over extracts the manifest records. Rows committed late (a transaction that set its watermark before an
/// extract and committed after it) are caught by re-reading an overlap window below the watermark and skipping the row
/// versions (key and row MD5) extracted before; deletes are not seen (see docs/pipeline-definition.md).
/// </remarks>
public sealed class PostgresExtractor
{
    private readonly PipelineDefinition _definition;
    private readonly IObjectStore _store;
    private readonly PostgresExtractorOptions _options;

    /// <summary>Creates an extractor for <paramref name="definition"/>'s PostgreSQL sources on <paramref name="store"/>.</summary>
    public PostgresExtractor(PipelineDefinition definition, IObjectStore store, PostgresExtractorOptions? options = null)
    {
        _definition = definition ?? throw new ArgumentNullException(nameof(definition));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new PostgresExtractorOptions();
    }

    /// <summary>Whether any dataset declares a PostgreSQL source.</summary>
    public bool Any => _definition.Datasets.Any(d => d.Source is PostgresSourceDefinition);

    /// <summary>Extracts each declared table once; one result per table. A table that fails does not stop the others.</summary>
    public async Task<IReadOnlyList<PostgresExtractResult>> ExtractAsync(CancellationToken cancellationToken = default) =>
        await ExtractAsync(null, cancellationToken).ConfigureAwait(false);

    /// <summary>As <see cref="ExtractAsync(CancellationToken)"/>, with the lake's manifest already read (null: read it here).</summary>
    public async Task<IReadOnlyList<PostgresExtractResult>> ExtractAsync(Manifest? manifest, CancellationToken cancellationToken = default)
    {
        var results = new List<PostgresExtractResult>();
        if (!Any)
        {
            return results;
        }

        manifest ??= await Manifest.LoadAsync(_store, cancellationToken).ConfigureAwait(false);
        foreach (var (ds, source) in Sources())
        {
            try
            {
                results.Add(await new TableExtractor(_store, ds, source, _options).ExtractAsync(manifest, cancellationToken).ConfigureAwait(false));
            }
            catch (EtlException ex) when (ex is not StorageException)
            {
                results.Add(new PostgresExtractResult(ds.Name, $"{source.Schema}.{source.Table}", PostgresExtractOutcome.Failed, null, 0, 0, null, ex.Message, ex.IsTransient));
            }
        }

        return results;
    }

    /// <summary>
    /// Moves each table's committed watermark over the extracts the manifest now records (after a commit, or at the start
    /// of the next run: <see cref="PostgresSourceStep"/> does it there). Also done at the start of every extract, so a
    /// run that stops before this loses nothing.
    /// </summary>
    public async Task<IReadOnlyList<PostgresAdvanceResult>> AdvanceAsync(CancellationToken cancellationToken = default) =>
        await AdvanceAsync(null, cancellationToken).ConfigureAwait(false);

    /// <summary>As <see cref="AdvanceAsync(CancellationToken)"/>, with the lake's manifest already read (null: read it here).</summary>
    public async Task<IReadOnlyList<PostgresAdvanceResult>> AdvanceAsync(Manifest? manifest, CancellationToken cancellationToken = default)
    {
        var results = new List<PostgresAdvanceResult>();
        if (!Any)
        {
            return results;
        }

        manifest ??= await Manifest.LoadAsync(_store, cancellationToken).ConfigureAwait(false);
        foreach (var (ds, source) in Sources())
        {
            var (state, advanced, warning) = await new TableExtractor(_store, ds, source, _options).ReconcileAsync(manifest, cancellationToken).ConfigureAwait(false);
            results.Add(new PostgresAdvanceResult(ds.Name, state.Committed?.HighText, advanced, state.Pending.Count, warning));
        }

        return results;
    }

    private IEnumerable<(DatasetDefinition Dataset, PostgresSourceDefinition Source)> Sources()
    {
        foreach (var ds in _definition.Datasets)
        {
            if (ds.Source is PostgresSourceDefinition pg)
            {
                yield return (ds, pg);
            }
        }
    }
}
