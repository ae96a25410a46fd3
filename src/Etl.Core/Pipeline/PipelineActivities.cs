using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Runs;
using Etl.Core.Sources;
using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>
/// The pipeline's activities over one lake: FetchSources lands the declared sources through the host's
/// <see cref="ISourceStep"/>s, Discover diffs landing/ against the manifest, ProcessFile runs
/// <see cref="FileProcessor"/>, Commit appends the run's manifest and metrics segments and its summary.
/// </summary>
/// <param name="definition">The pipeline.</param>
/// <param name="store">The lake (for a host holding the lake, its fenced store).</param>
/// <param name="sources">The source steps this host runs; only <see cref="UrlSourceStep"/> when null.</param>
public sealed class PipelineActivities(PipelineDefinition definition, IObjectStore store, IReadOnlyList<ISourceStep>? sources = null) : IPipelineActivities
{
    private readonly IReadOnlyList<ISourceStep> _sources = sources ?? [new UrlSourceStep()];
    private readonly TransformBinder _transforms = new(definition, store);
    private Manifest? _manifest;
    private FileProcessor? _processor;

    private readonly ConcurrentDictionary<string, (long Rows, bool Ok)> _finished = new(StringComparer.Ordinal);

    // Activities run concurrently (parallel files): one processor for all of them, so its in-flight count is the whole.
    private FileProcessor Processor => LazyInitializer.EnsureInitialized(ref _processor, () => new FileProcessor(definition, store, _transforms));

    /// <summary>
    /// What this instance's ProcessFile calls have done so far, file by file as they finish (a retried file counts
    /// once, by its last attempt) plus the rows read of files still being processed. The orchestrator's status
    /// advances a batch of files at a time; a host running the activities in-process uses this to show progress
    /// between those steps and inside long files.
    /// </summary>
    public LiveProgress Live
    {
        get
        {
            int files = 0, notOk = 0;
            long rows = 0;
            foreach (var (_, done) in _finished)
            {
                files++;
                notOk += done.Ok ? 0 : 1;
                rows += done.Rows;
            }

            return new LiveProgress(files, notOk, rows, _processor?.RowsInFlight ?? 0);
        }
    }

    /// <inheritdoc />
    public async Task<FetchSourcesResult> FetchSourcesAsync(FetchSourcesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var results = new List<SourceResult>();
        var notices = new List<string>();
        foreach (var ds in definition.Datasets)
        {
            if (ds.Source is { } source && !_sources.Any(s => s.Runs(source)))
            {
                var kind = source is UrlSourceDefinition ? "url" : "postgres";
                var note = $"this host runs no '{kind}' sources (it runs: {string.Join(", ", _sources.Select(s => s.Kind))}); nothing was fetched. Run the pipeline with etl run, etl serve or the Functions app, which run every kind.";
                results.Add(new SourceResult(ds.Name, kind, SourceOutcome.Failed, [], 0, 0, note, $"Source {ds.Name} failed: {note}"));
            }
        }

        foreach (var step in _sources)
        {
            if (!definition.Datasets.Any(d => d.Source is { } s && step.Runs(s)))
            {
                continue;
            }

            var fetched = await step.FetchAsync(definition, store, cancellationToken).ConfigureAwait(false);
            results.AddRange(fetched.Sources);
            notices.AddRange(fetched.Notices);
        }

        // In definition order, whichever step ran them.
        var order = definition.Datasets.Select((d, i) => (d.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        var sorted = results.OrderBy(r => order.GetValueOrDefault(r.Dataset, int.MaxValue)).ToList();
        if (sorted.Any(r => r.IsTransient))
        {
            // The host retries the whole activity (per the run's retry policy); the sources that succeeded are not fetched
            // twice (conditional GETs, extracts resume after the last landed one). The message is what each source did.
            throw new EtlException(string.Join("\n", notices.Concat(sorted.Select(r => r.Message))), isTransient: true);
        }

        return new FetchSourcesResult(sorted, notices);
    }

    /// <inheritdoc />
    public async Task<DiscoverResult> DiscoverAsync(DiscoverRequest request, CancellationToken cancellationToken = default)
    {
        // Always read the manifest afresh: a copy read earlier (a preflight before this host held the lake) may predate
        // another host's commit, and would make this run process those files again.
        _manifest = null;
        var manifest = await LoadManifestAsync(cancellationToken).ConfigureAwait(false);

        // Bind every dataset's transforms first: a wrong expression, an unknown column or a missing reference table stops
        // the run here, before any file is read. The reference tables' hashes also say which files to retry.
        var referenceVersions = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var ds in definition.Datasets)
        {
            if (await _transforms.BindAsync(ds, new Dictionary<string, DateOnly>(), cancellationToken).ConfigureAwait(false) is { } chain)
            {
                referenceVersions[ds.Name] = chain.ReferenceVersions;
            }
        }

        var files = new List<FileWorkItem>();
        var unmatched = new List<string>();
        var upToDate = 0;
        var failedEarlier = 0;
        var landed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var o in store.ListAsync("landing/", cancellationToken).ConfigureAwait(false))
        {
            landed.Add(o.Key);
            var dataset = definition.Datasets.FirstOrDefault(d => d.MatchRegex.IsMatch(o.Key));
            if (dataset is null)
            {
                unmatched.Add(o.Key);
                continue;
            }

            var latest = manifest.Latest.GetValueOrDefault(o.Key);
            var reason = Reason(latest, o, request, dataset.Version, referenceVersions.GetValueOrDefault(dataset.Name));
            if (reason is null)
            {
                if (latest is { Status: FileStatus.Failed })
                {
                    failedEarlier++;
                }
                else
                {
                    upToDate++;
                }

                continue;
            }

            files.Add(new FileWorkItem(o.Key, o.Size, o.ETag, dataset.Name, SourceId.For(o.Key), reason));
        }

        if (store is FencedObjectStore { Generation: > 0 })
        {
            await SweepUncommittedOutputsAsync(manifest, landed, cancellationToken).ConfigureAwait(false);
        }

        var (now, deferred) = OnePerLateRowsKey(files, manifest);
        return new DiscoverResult(definition.Version, now, upToDate, unmatched, deferred, failedEarlier);
    }

    /// <inheritdoc />
    public async Task<FileResult> ProcessFileAsync(ProcessFileRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var manifest = await LoadManifestAsync(cancellationToken).ConfigureAwait(false);
        var watermarks = manifest.Watermarks(request.File.Dataset, request.File.Key);
        var result = await Processor.ProcessAsync(request, manifest.LastSucceeded(request.File.Key), watermarks, cancellationToken).ConfigureAwait(false);
        _finished[request.File.Key] = (result.RowsRead, result.Status == FileStatus.Succeeded);
        return result;
    }

    /// <inheritdoc />
    public async Task<RunSummary> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        var summary = new RunSummary(
            definition.Name, request.RunId, request.PipelineVersion, request.StartedAt, now, request.Results,
            request.Results.Count(r => r.Status == FileStatus.Succeeded),
            request.Results.Count(r => r.Status == FileStatus.Quarantined),
            request.Results.Count(r => r.Status == FileStatus.Failed),
            request.Results.Sum(r => r.RowsRead),
            request.Results.Sum(r => r.RowsWritten),
            request.Results.Sum(r => r.RowsRejected),
            request.Results.Sum(r => r.RowsFiltered.Values.Sum()));
        if (request.Results.Count == 0)
        {
            return summary;
        }

        var segment = new StringBuilder();
        foreach (var r in request.Results)
        {
            if (r.SourceChanged)
            {
                continue; // not the discovered version: the next run processes what is in landing/ then
            }

            var version = definition.Datasets.FirstOrDefault(d => d.Name == r.File.Dataset)?.Version ?? request.PipelineVersion;
            var record = new ManifestRecord(r.File.Key, r.File.Size, r.File.ETag, r.File.Dataset, r.File.SourceId, r.Status,
                version, request.RunId, r.RowsRead, r.RowsWritten, r.RowsRejected, r.RowsFiltered.Values.Sum(), r.Outputs, r.Error, now,
                r.ReferenceVersions, r.LatestPeriods);
            segment.Append(JsonSerializer.Serialize(record, EtlJson.Default.ManifestRecord)).Append('\n');
        }

        // Create-only: committing the same run twice (a retried activity) keeps the first segment.
        await PutOnceAsync($"{Manifest.Prefix}{request.RunId}.jsonl", Encoding.UTF8.GetBytes(segment.ToString()), cancellationToken).ConfigureAwait(false);
        var json = JsonSerializer.SerializeToUtf8Bytes(summary, EtlJson.Default.RunSummary);
        await PutOnceAsync($"_meta/metrics/{request.RunId}.json", json, cancellationToken).ConfigureAwait(false);
        await store.PutAsync($"_meta/runs/{request.RunId}.json", json, WriteCondition.None, cancellationToken).ConfigureAwait(false);

        // Each dataset queryable at once (DuckDB, Athena/Glue, Synapse) without a crawler.
        await new Catalog.LakeCatalog(definition, store).WriteAsync(cancellationToken).ConfigureAwait(false);
        _manifest = null;
        return summary;
    }

    /// <summary>
    /// Late-row watermarks come from committed files only, so files that share a late-rows key must not run in the same
    /// round: keeps the earliest pending file per key (by first success, then key) and defers the rest.
    /// </summary>
    private (List<FileWorkItem> Now, int Deferred) OnePerLateRowsKey(List<FileWorkItem> files, Manifest manifest)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var now = new List<FileWorkItem>(files.Count);
        var deferred = 0;
        foreach (var file in files.OrderBy(f => manifest.FirstSucceeded(f.Key)).ThenBy(f => f.Key, StringComparer.Ordinal))
        {
            var ds = definition.Datasets.First(d => d.Name == file.Dataset);
            var rule = ds.Transforms.OfType<Enrichment.Definition.LateRowsDefinition>().FirstOrDefault();
            if (rule is null)
            {
                now.Add(file);
                continue;
            }

            // A capture key is known from the path; a column key is not known before reading, so the whole dataset is one group.
            var group = rule.Key is not null && ds.Captures.Contains(rule.Key)
                ? ds.Name + "/" + ds.MatchRegex.Match(file.Key).Groups[rule.Key].Value
                : ds.Name;
            if (taken.Add(group))
            {
                now.Add(file);
            }
            else
            {
                deferred++;
            }
        }

        now.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return (now, deferred);
    }

    private static string? Reason(ManifestRecord? latest, ObjectInfo o, DiscoverRequest request, string version, IReadOnlyDictionary<string, string>? referenceVersions)
    {
        if (request.ReprocessAll && (latest is null || DiscoverRequest.BaseRunId(latest.RunId) != DiscoverRequest.BaseRunId(request.RunId)))
        {
            return "reprocess";
        }

        if (latest is null)
        {
            return "new";
        }

        var sameContent = latest.ETag == o.ETag && latest.Size == o.Size;
        if (!sameContent)
        {
            return "changed";
        }

        if (latest.Status != FileStatus.Succeeded)
        {
            // Not again within the same run: a later round retrying it would only fail again.
            return request.RetryFailed && DiscoverRequest.BaseRunId(latest.RunId) != DiscoverRequest.BaseRunId(request.RunId) ? "retry" : null;
        }

        // The dataset's definition or code transforms changed since this version was processed: its output may differ now.
        if (latest.PipelineVersion != version)
        {
            return "definition_changed";
        }

        // Rows were rejected for want of reference data (e.g. a currency rate) that has changed since: try them again.
        if (latest.ReferenceVersions is { Count: > 0 } rejectedWith && referenceVersions is not null)
        {
            foreach (var (code, hash) in rejectedWith)
            {
                if (referenceVersions.TryGetValue(code, out var current) && current != hash)
                {
                    return "reference_changed";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Deletes outputs in processed/ that no manifest record names: what a host killed between publishing a file's
    /// outputs and committing them left behind, which readers of processed/** would otherwise count. Only files named
    /// like ours (<c>part-&lt;source id&gt;.parquet</c> of a landed or recorded key) are touched. Run only by a host that
    /// holds the lake (fenced store), at the Discover of a new run or round, when no file of this lake is in flight.
    /// </summary>
    private async Task SweepUncommittedOutputsAsync(Manifest manifest, HashSet<string> landed, CancellationToken cancellationToken)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var ours = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in landed)
        {
            ours.Add(SourceId.For(key));
        }

        foreach (var (key, latest) in manifest.Latest)
        {
            ours.Add(latest.SourceId);
            referenced.UnionWith(latest.Outputs);
            if (manifest.LastSucceeded(key) is { } good)
            {
                referenced.UnionWith(good.Outputs);
            }
        }

        var orphans = new List<string>();
        await foreach (var o in store.ListAsync("processed/", cancellationToken).ConfigureAwait(false))
        {
            var name = o.Key[(o.Key.LastIndexOf('/') + 1)..];
            if (!referenced.Contains(o.Key) && name.StartsWith("part-", StringComparison.Ordinal) && name.EndsWith(".parquet", StringComparison.Ordinal)
                && ours.Contains(name["part-".Length..^".parquet".Length]))
            {
                orphans.Add(o.Key);
            }
        }

        foreach (var key in orphans)
        {
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PutOnceAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        try
        {
            await store.PutAsync(key, content, WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Already committed by an earlier attempt of the same run.
        }
    }

    private async Task<Manifest> LoadManifestAsync(CancellationToken cancellationToken) =>
        _manifest ??= await Manifest.LoadAsync(store, cancellationToken).ConfigureAwait(false);
}
