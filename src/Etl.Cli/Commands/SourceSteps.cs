using Etl.Core.Definition;
using Etl.Core.Runs;
using Etl.Core.Sources;
using Etl.Sources.Postgres;

namespace Etl.Cli.Commands;

/// <summary>The source steps <c>etl run</c> and <c>etl serve</c> give the FetchSources activity, and how the CLI prints what they did.</summary>
internal static class SourceSteps
{
    /// <summary>Every kind of source: URL files and PostgreSQL extracts.</summary>
    public static IReadOnlyList<ISourceStep> All { get; } = [new UrlSourceStep(), new PostgresSourceStep()];

    /// <summary>A run's input flag: whether it starts with the FetchSources activity.</summary>
    public static bool Declared(PipelineDefinition definition) => definition.HasSources;

    /// <summary>Writes what each source did (on stderr, so --json stays clean). Returns false when a source failed.</summary>
    public static async Task<bool> WriteAsync(FetchSourcesResult? sources, TextWriter stderr)
    {
        if (sources is null)
        {
            return true;
        }

        foreach (var line in sources.Notices.Concat(sources.Sources.Select(s => s.Message)))
        {
            await stderr.WriteLineAsync(line).ConfigureAwait(false);
        }

        if (sources.Error is { } error)
        {
            await stderr.WriteLineAsync(error).ConfigureAwait(false);
            await stderr.WriteLineAsync("The sources were retried per the run's retry policy and still failed; the run processed what is landed. Run etl run again once the cause is fixed.").ConfigureAwait(false);
        }

        return !sources.Failed;
    }
}
