using Etl.Core.Definition;
using Etl.Core.Sources;
using Etl.Storage;

namespace Etl.Cli.Commands;

/// <summary>Before a run: fetches the datasets' declared sources into landing/ and says what each did (on stderr, so --json stays clean).</summary>
internal static class SourceStep
{
    /// <summary>Returns false when a source failed (the run still processes what is landed).</summary>
    public static async Task<bool> FetchAsync(PipelineDefinition definition, IObjectStore store, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!definition.Datasets.Any(d => d.Source is not null))
        {
            return true;
        }

        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var results = await new SourceFetcher(definition, store, http).FetchAsync(cancellationToken).ConfigureAwait(false);
        var ok = true;
        foreach (var r in results)
        {
            var line = r.Outcome switch
            {
                SourceFetchOutcome.Fetched => $"Source {r.Dataset}: fetched {r.Bytes:N0} bytes -> {string.Join(", ", r.Landed)}",
                SourceFetchOutcome.NotModified => $"Source {r.Dataset}: not modified on the server",
                SourceFetchOutcome.Unchanged => $"Source {r.Dataset}: downloaded, same content as last time; nothing landed",
                SourceFetchOutcome.NotDue => $"Source {r.Dataset}: not due ({r.Note})",
                _ => $"Source {r.Dataset} failed: {r.Note}",
            };
            ok &= r.Outcome != SourceFetchOutcome.Failed;
            await stderr.WriteLineAsync(line).ConfigureAwait(false);
        }

        return ok;
    }
}
