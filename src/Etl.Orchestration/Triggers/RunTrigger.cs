using Etl.Core.Runs;
using Etl.Orchestration.Hosting;
using Etl.Orchestration.Local;
using Microsoft.Extensions.Logging;

namespace Etl.Orchestration.Triggers;

/// <summary>
/// Starts runs for the schedule, the new-file sensor and storage events. The sensor and events start a run only when
/// Discover would find work (for events: work among the event's keys), so an event for a file that is not new does
/// nothing. When a run is already active, the files are checked again once it finishes.
/// </summary>
public sealed class RunTrigger(LocalDurableRuntime runtime, IPipelineActivities activities, LocalDurableHostOptions options, ILogger<RunTrigger> logger)
{
    private int _recheckPending;

    /// <summary>Starts a run unconditionally (schedule, HTTP); returns the active run when there is one.</summary>
    public async Task<StartOutcome> StartAsync(string trigger, PipelineRunInput? overrides = null, CancellationToken cancellationToken = default)
    {
        // A host still waiting for the lake (another host holds it) starts nothing until it has the lake.
        await runtime.WhenStarted.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await runtime.StartPipelineAsync((overrides ?? options.Run) with { Trigger = trigger }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a run if Discover finds files to process; with <paramref name="keys"/>, only if one of those lake keys is
    /// among them.
    /// </summary>
    public async Task<TriggerOutcome> StartIfNewAsync(string trigger, IReadOnlyCollection<string>? keys, CancellationToken cancellationToken = default)
    {
        await runtime.WhenStarted.WaitAsync(cancellationToken).ConfigureAwait(false);
        var active = await ActiveAsync(cancellationToken).ConfigureAwait(false);
        if (active is not null)
        {
            RecheckAfter(active.InstanceId, trigger, keys);
            return new TriggerOutcome(TriggerOutcomeKind.AlreadyActive, active);
        }

        var discovered = await activities.DiscoverAsync(new DiscoverRequest(options.Run.Pipeline, trigger, options.Run.RetryFailed, false), cancellationToken).ConfigureAwait(false);
        var hasWork = keys is null ? discovered.Files.Count > 0 : discovered.Files.Any(f => keys.Contains(f.Key));
        if (!hasWork)
        {
            foreach (var key in keys ?? [])
            {
                Log.EventIgnored(logger, key, "not new (already processed, not under landing/, or matching no dataset)");
            }

            return new TriggerOutcome(TriggerOutcomeKind.NothingNew, null);
        }

        if (keys is null)
        {
            Log.SensorFoundWork(logger, discovered.Files.Count);
        }

        var started = await StartAsync(trigger, null, cancellationToken).ConfigureAwait(false);
        if (!started.Created)
        {
            RecheckAfter(started.Instance.InstanceId, trigger, keys);
        }

        return new TriggerOutcome(started.Created ? TriggerOutcomeKind.Started : TriggerOutcomeKind.AlreadyActive, started.Instance);
    }

    private async Task<InstanceState?> ActiveAsync(CancellationToken cancellationToken)
    {
        var id = await runtime.Instances.GetActiveAsync(cancellationToken).ConfigureAwait(false);
        return id is null ? null : await runtime.GetInstanceAsync(id, cancellationToken).ConfigureAwait(false) is { IsActive: true } s ? s : null;
    }

    private void RecheckAfter(string activeId, string trigger, IReadOnlyCollection<string>? keys)
    {
        // One re-check at a time is enough: it looks at every landed file, not only these keys.
        if (Interlocked.Exchange(ref _recheckPending, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await runtime.WaitForCompletionAsync(activeId).ConfigureAwait(false);
                Volatile.Write(ref _recheckPending, 0);
                if (runtime.IsStarted)
                {
                    await StartIfNewAsync(trigger, null).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _recheckPending, 0);
                Log.TriggerFailed(logger, trigger, ex);
            }
        });
    }
}
