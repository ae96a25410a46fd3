using Etl.Core.Definition;
using Etl.Storage;

namespace Etl.Core.Sources;

/// <summary>
/// Fetches the files of every dataset that declares a <c>source:</c> into landing/, before discovery, so that they go
/// through the normal pipeline (accounted for, processed once per version). A source that fails is reported in its
/// result and does not stop the others, nor the processing of what is already landed.
/// </summary>
public sealed class SourceFetcher
{
    private readonly PipelineDefinition _definition;
    private readonly UrlSourceFetcher _url;

    /// <summary>Creates a fetcher.</summary>
    /// <param name="definition">The pipeline.</param>
    /// <param name="store">The lake.</param>
    /// <param name="http">The client for URL sources (the caller owns it).</param>
    /// <param name="time">The clock for schedules; the system clock when null.</param>
    /// <param name="retryDelay">The first retry's delay, doubled for each further attempt; 1 s when null.</param>
    public SourceFetcher(PipelineDefinition definition, IObjectStore store, HttpClient http, TimeProvider? time = null, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        _definition = definition;
        _url = new UrlSourceFetcher(store, http, time ?? TimeProvider.System, retryDelay ?? TimeSpan.FromSeconds(1), definition.MaxUncompressedBytes);
    }

    /// <summary>Whether any dataset declares a source.</summary>
    public bool Any => _definition.Datasets.Any(d => d.Source is not null);

    /// <summary>Fetches every declared source once; one result per source.</summary>
    public async Task<IReadOnlyList<SourceFetchResult>> FetchAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<SourceFetchResult>();
        foreach (var ds in _definition.Datasets)
        {
            if (ds.Source is not UrlSourceDefinition url)
            {
                continue;
            }

            try
            {
                results.Add(await _url.FetchAsync(ds, url, cancellationToken).ConfigureAwait(false));
            }
            catch (EtlException ex) when (ex is not StorageException { IsTransient: true })
            {
                // A transient storage fault is thrown: the FetchSources activity is retried by the orchestrator's policy.
                results.Add(new SourceFetchResult(ds.Name, SourceFetchOutcome.Failed, [], 0, ex.Message));
            }
        }

        return results;
    }
}
