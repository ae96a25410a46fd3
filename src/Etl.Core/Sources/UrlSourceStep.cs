using Etl.Core.Definition;
using Etl.Core.Runs;
using Etl.Storage;

namespace Etl.Core.Sources;

/// <summary>
/// The URL sources (<c>source: { url: ... }</c>) as a source step: <see cref="SourceFetcher"/> with conditional GETs.
/// A transient HTTP failure is retried inside the step per the source's own <c>attempts</c>, and is then a failed
/// result (not retried again by the orchestrator); a transient storage fault is thrown for the orchestrator's retry.
/// </summary>
/// <param name="http">The client; a shared one (no client timeout, each request has the source's own) when null.</param>
/// <param name="time">The clock for schedules; the system clock when null.</param>
/// <param name="retryDelay">The first in-step retry's delay; 1 s when null.</param>
public sealed class UrlSourceStep(HttpClient? http = null, TimeProvider? time = null, TimeSpan? retryDelay = null) : ISourceStep
{
    private static readonly HttpClient s_http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <inheritdoc />
    public string Kind => "url";

    /// <inheritdoc />
    public bool Runs(SourceDefinition source) => source is UrlSourceDefinition;

    /// <inheritdoc />
    public async Task<FetchSourcesResult> FetchAsync(PipelineDefinition definition, IObjectStore store, CancellationToken cancellationToken)
    {
        var fetched = await new SourceFetcher(definition, store, http ?? s_http, time, retryDelay).FetchAsync(cancellationToken).ConfigureAwait(false);
        return new FetchSourcesResult([.. fetched.Select(ToResult)], []);
    }

    private static SourceResult ToResult(SourceFetchResult r)
    {
        var (outcome, message) = r.Outcome switch
        {
            SourceFetchOutcome.Fetched => (SourceOutcome.Fetched, $"Source {r.Dataset}: fetched {r.Bytes:N0} bytes -> {string.Join(", ", r.Landed)}"),
            SourceFetchOutcome.NotModified => (SourceOutcome.NotModified, $"Source {r.Dataset}: not modified on the server"),
            SourceFetchOutcome.Unchanged => (SourceOutcome.Unchanged, $"Source {r.Dataset}: downloaded, same content as last time; nothing landed"),
            SourceFetchOutcome.NotDue => (SourceOutcome.NotDue, $"Source {r.Dataset}: not due ({r.Note})"),
            _ => (SourceOutcome.Failed, $"Source {r.Dataset} failed: {r.Note}"),
        };
        return new SourceResult(r.Dataset, "url", outcome, r.Landed, 0, r.Bytes, r.Note, message);
    }
}
