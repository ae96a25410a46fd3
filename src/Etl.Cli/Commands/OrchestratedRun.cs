using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Orchestration;
using Etl.Orchestration.Local;
using Etl.Storage;

namespace Etl.Cli.Commands;

/// <summary>
/// <c>etl run</c> through the orchestrator: the local durable runtime hosts the same orchestration Azure Durable
/// Functions hosts, in-process, with its instance persisted in the lake's <c>_meta/instances/</c>. A run killed
/// mid-way is resumed by the next <c>etl run</c> (or <c>etl serve</c>) without redoing the files whose results it
/// recorded.
/// </summary>
/// <remarks>
/// The declared sources (URL files, PostgreSQL extracts) are the orchestration's first activity, FetchSources, so they
/// run only while this process holds the lake and through its fenced store, as in <c>etl serve</c>.
/// </remarks>
internal sealed class OrchestratedRun(PipelineDefinition definition, IObjectStore store, IWarehouseLoadActivity? warehouse = null, Microsoft.Extensions.Logging.ILogger? logger = null)
{
    /// <summary>How long to wait for the lake's host lease before saying another host is working on it.</summary>
    public static TimeSpan LeaseWait { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>Runs to completion. Throws <see cref="LakeBusyException"/> when another host keeps the lake.</summary>
    public async Task<Outcome> RunAsync(RunOptions options, IProgress<RunProgress>? progress, TextWriter notices, CancellationToken cancellationToken)
    {
        // Every change of the run goes through the fenced store: should this process lose the lake (its lease expired or
        // was deleted and another host took the lake), its next change is refused instead of landing beside the other's.
        var fenced = new FencedObjectStore(store);
        var activities = new PipelineActivities(definition, fenced, SourceSteps.All);

        // Discover once up front: a wrong transform or a missing reference table is reported before any run starts,
        // and the report can name the landed files that match no dataset.
        var preflight = await activities.DiscoverAsync(new DiscoverRequest(definition.Name, "preflight", options.RetryFailed, options.ReprocessAll), cancellationToken).ConfigureAwait(false);
        var runtime = new LocalDurableRuntime(fenced, new PipelineActivityDispatcher(activities, warehouse), logger: logger);
        await using (runtime.ConfigureAwait(false))
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                wait.CancelAfter(LeaseWait);
                try
                {
                    await runtime.StartAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new LakeBusyException(
                        $"Another etl run or etl serve is working on {store.Description} (it holds {LocalRuntimeOptions.LeaseKey}). "
                        + "Wait for it (etl status shows its run), or start runs through that etl serve's HTTP API. A host that died releases the lake within a minute.");
                }
            }

            var input = new PipelineRunInput(
                definition.Name, options.RetryFailed, options.ReprocessAll, MaxParallelFiles: options.MaxParallelFiles ?? definition.MaxParallelFiles, Trigger: "cli",
                LoadWarehouse: warehouse is not null, FetchSources: SourceSteps.Declared(definition));
            var started = await runtime.StartPipelineAsync(input, cancellationToken).ConfigureAwait(false);
            var id = started.Instance.InstanceId;
            if (!started.Created)
            {
                await notices.WriteLineAsync($"Resuming run {id}, left unfinished by a process that stopped or lost the lake; files it already recorded are not processed again. Run etl run again afterwards for anything newer.").ConfigureAwait(false);
            }

            var completion = runtime.WaitForCompletionAsync(id, cancellationToken);
            var shown = new RunProgress(0, 0, 0, 0, 0, null);
            while (!completion.IsCompleted)
            {
                await Task.WhenAny(completion, Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken)).ConfigureAwait(false);
                if (progress is not null && await runtime.GetInstanceAsync(id, cancellationToken).ConfigureAwait(false) is { CustomStatus: { } status }
                    && status.Deserialize<RunProgressStatus>(OrchestrationJson.Options) is { } p)
                {
                    shown = Combine(shown, p, activities.Live, started.Created);
                    progress.Report(shown);
                }
            }

            var final = await completion.ConfigureAwait(false)
                ?? throw new EtlException($"Run {id} disappeared from {store.Description}/{InstanceStore.Root} while it ran.");
            await runtime.StopAsync(cancellationToken).ConfigureAwait(false);
            if (runtime.LostReason is { } lost)
            {
                throw new LakeLostException(
                    $"Run {id} stopped: {lost} What this run committed before stays committed; files it had not committed are "
                    + "processed by the host that holds the lake now, or by the next etl run.");
            }
            if (final.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            {
                return new Outcome(preflight, null, final);
            }

            var output = final.Output?.Deserialize<PipelineRunOutput>(OrchestrationJson.Options)
                ?? throw new EtlException($"Run {id} completed without an output; see {store.Description}/{InstanceStore.Root}.");
            var summary = await ReadSummaryAsync(output, cancellationToken).ConfigureAwait(false);
            return new Outcome(preflight with { Files = [.. summary.Files.Select(f => f.File)], UpToDate = output.FilesUpToDate }, summary, final, output);
        }
    }

    /// <summary>
    /// What to show: the orchestrator's status advances a batch of files at a time, so the activities' own counts (this
    /// process's, file by file, plus the rows of files still being read) fill in between. A resumed run's status
    /// already holds work of the process before, which the activities here never saw: for it only the rows still being
    /// read are added. Counts are never shown going back.
    /// </summary>
    internal static RunProgress Combine(RunProgress shown, RunProgressStatus status, LiveProgress live, bool freshRun)
    {
        var done = status.FilesDone;
        var notOk = status.FilesFailed;
        var rows = status.RowsRead;
        if (freshRun)
        {
            done = Math.Max(done, live.FilesFinished);
            notOk = Math.Max(notOk, live.FilesNotOk);
            rows = Math.Max(rows, live.RowsFinished);
        }

        return new RunProgress(
            status.FilesTotal,
            Math.Min(status.FilesTotal, Math.Max(shown.FilesDone, done)),
            Math.Max(shown.FilesFailed, notOk),
            Math.Max(shown.RowsRead, rows + live.RowsInFlight),
            0,
            null);
    }

    /// <summary>The run summary: the commit of each round writes one (<c>_meta/runs/&lt;run id&gt;[.rN].json</c>); they are added up.</summary>
    private async Task<RunSummary> ReadSummaryAsync(PipelineRunOutput output, CancellationToken cancellationToken)
    {
        var files = new List<FileResult>();
        await foreach (var info in store.ListAsync($"_meta/runs/{output.RunId}", cancellationToken).ConfigureAwait(false))
        {
            var stream = await store.OpenReadAsync(info.Key, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                if (await JsonSerializer.DeserializeAsync(stream, EtlJson.Default.RunSummary, cancellationToken).ConfigureAwait(false) is { } round)
                {
                    files.AddRange(round.Files);
                }
            }
        }

        return new RunSummary(
            output.Pipeline, output.RunId, output.PipelineVersion, output.StartedAt, output.FinishedAt, files,
            output.FilesSucceeded, output.FilesQuarantined, output.FilesFailed, output.RowsRead, output.RowsWritten, output.RowsRejected, output.RowsFiltered);
    }

    /// <summary>What a run did: the summary when it completed, otherwise the instance that failed or was terminated.</summary>
    public sealed record Outcome(DiscoverResult Discovered, RunSummary? Summary, InstanceState Instance, PipelineRunOutput? Output = null);
}

/// <summary>Another host holds the lake.</summary>
internal sealed class LakeBusyException(string message) : EtlException(message);

/// <summary>This run lost the lake to another host while it ran, and stopped.</summary>
internal sealed class LakeLostException(string message) : EtlException(message);
