using Etl.Core.Definition;
using Etl.Core.Runs;
using Etl.Storage;

namespace Etl.Core.Sources;

/// <summary>
/// One kind of declared source (URL files, PostgreSQL tables), as the FetchSources activity runs it. Hosts register
/// the steps they support with <see cref="Pipeline.PipelineActivities"/>; Core has the URL step, Etl.Sources.Postgres
/// the PostgreSQL one. Each step runs with the store the host gives the activities (for <c>etl run</c> and
/// <c>etl serve</c>, the fenced store of the host holding the lake).
/// </summary>
public interface ISourceStep
{
    /// <summary>The kind of source it runs, as the definition spells it (<c>url</c>, <c>postgres</c>).</summary>
    string Kind { get; }

    /// <summary>Whether this step runs <paramref name="source"/>.</summary>
    bool Runs(SourceDefinition source);

    /// <summary>
    /// Runs every source of the definition this step runs, once. A source that fails for good is a
    /// <see cref="SourceOutcome.Failed"/> result; one that may succeed on retry is a failed result marked
    /// <see cref="SourceResult.IsTransient"/>; a transient storage fault may be thrown.
    /// </summary>
    Task<FetchSourcesResult> FetchAsync(PipelineDefinition definition, IObjectStore store, CancellationToken cancellationToken);
}
