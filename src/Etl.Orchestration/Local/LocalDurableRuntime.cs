using System.Collections.Concurrent;
using System.Text.Json;
using Etl.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Etl.Orchestration.Local;

/// <summary>
/// The in-process durable runtime behind <c>etl serve</c> and <c>etl run</c>. Instances and every recorded activity
/// result persist in the lake's <c>_meta/instances/</c>; one runtime at a time owns a lake (a lease); on start it resumes
/// every instance that was still running, replaying recorded results instead of running those activities again.
/// At most one pipeline run is active at a time: starting another while one is active returns the active one.
/// </summary>
public sealed class LocalDurableRuntime : IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly PipelineActivityDispatcher _dispatcher;
    private readonly LocalRuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, InstanceRunner> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IObjectLease? _lease;
    private Task? _renewal;

    /// <summary>Creates the runtime; call <see cref="StartAsync"/> before starting instances.</summary>
    public LocalDurableRuntime(IObjectStore store, PipelineActivityDispatcher dispatcher, LocalRuntimeOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _dispatcher = dispatcher ?? throw new ArgumentNullException(nameof(dispatcher));
        _options = options ?? new LocalRuntimeOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Instances = new InstanceStore(store);
    }

    /// <summary>The persisted instances.</summary>
    public InstanceStore Instances { get; }

    /// <summary>Whether <see cref="StartAsync"/> has taken the lake's lease.</summary>
    public bool IsStarted => _lease is not null;

    /// <summary>Completes when <see cref="StartAsync"/> has taken the lake and resumed its instances.</summary>
    public Task WhenStarted => _started.Task;

    /// <summary>Set when this runtime lost the lake (its lease could not be renewed, or another host fenced it out): why.</summary>
    public string? LostReason { get; private set; }

    /// <summary>Takes the lake's orchestration lease (waiting while another host holds it), then resumes every active instance.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_lease is not null)
        {
            return;
        }

        var warned = false;
        while ((_lease = await _store.TryAcquireLeaseAsync(LocalRuntimeOptions.LeaseKey, _options.LeaseDuration, cancellationToken).ConfigureAwait(false)) is null)
        {
            if (!warned)
            {
                Log.WaitingForLease(_logger, LocalRuntimeOptions.LeaseKey, _store.Description);
                warned = true;
            }

            await Task.Delay(_options.LeaseRetryInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        // Holding the lease, take the fencing token, so a host that held the lake before (its lease expired or was
        // deleted under it) is refused its next change; then clear what killed writers left behind.
        var leaseTaken = _time.GetUtcNow();
        if (_store is FencedObjectStore fenced)
        {
            var generation = await fenced.TakeAsync($"{Environment.MachineName} pid {Environment.ProcessId}", cancellationToken).ConfigureAwait(false);
            Log.FenceTaken(_logger, _store.Description, generation);
        }

        if ((_store is FencedObjectStore f ? f.Inner : _store) is IAbandonedWriteSweeper sweeper)
        {
            var swept = await sweeper.SweepAbandonedWritesAsync(leaseTaken, cancellationToken).ConfigureAwait(false);
            if (swept > 0)
            {
                Log.AbandonedWritesSwept(_logger, swept, _store.Description);
            }
        }

        _renewal = RenewLeaseAsync(_lease, _stopping.Token);
        foreach (var state in await Instances.ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (state.IsActive)
            {
                if (!await Instances.TryClaimActiveAsync(state.InstanceId, cancellationToken).ConfigureAwait(false)
                    && await Instances.GetActiveAsync(cancellationToken).ConfigureAwait(false) is { } other && other != state.InstanceId)
                {
                    await Instances.TryReplaceActiveAsync(other, state.InstanceId, cancellationToken).ConfigureAwait(false);
                }

                Launch(state);
            }
        }

        _started.TrySetResult();
    }

    /// <summary>
    /// Starts a pipeline run, or returns the active one (<see cref="StartOutcome.Created"/> false) when a run is active.
    /// </summary>
    public async Task<StartOutcome> StartPipelineAsync(PipelineRunInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_lease is null)
        {
            throw new InvalidOperationException("Call StartAsync before starting instances.");
        }

        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The marker in the lake is one guard; this runtime's own running instances are the other, so that a
            // marker deleted by hand mid-run cannot let a second run start beside the first in this process.
            foreach (var running in _running.Values)
            {
                if (running.Snapshot is { IsActive: true, Name: ActivityNames.RunPipeline } live)
                {
                    Log.SingletonReturned(_logger, live.InstanceId);
                    return new StartOutcome(live, false);
                }
            }

            var id = Guid.NewGuid().ToString("N");
            for (var attempt = 1; !await Instances.TryClaimActiveAsync(id, cancellationToken).ConfigureAwait(false); attempt++)
            {
                var activeId = await Instances.GetActiveAsync(cancellationToken).ConfigureAwait(false);
                var active = activeId is null ? null : await GetInstanceAsync(activeId, cancellationToken).ConfigureAwait(false);
                if (active is { IsActive: true })
                {
                    Log.SingletonReturned(_logger, active.InstanceId);
                    return new StartOutcome(active, false);
                }

                // The marker names a finished or purged instance (a host died between the two writes): replace it.
                if (activeId is not null && await Instances.TryReplaceActiveAsync(activeId, id, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                if (attempt == 3)
                {
                    throw new StorageException($"Could not claim the active-run marker '{InstanceStore.ActiveKey}' in {_store.Description}: it kept changing while being replaced. Retry the start.", InstanceStore.ActiveKey, isTransient: true);
                }
            }

            var now = _time.GetUtcNow();
            var state = new InstanceState(ActivityNames.RunPipeline, id, OrchestrationRuntimeStatus.Pending, JsonSerializer.SerializeToElement(input, OrchestrationJson.Options), null, null, now, now);
            await Instances.SaveAsync(state, cancellationToken).ConfigureAwait(false);
            Log.InstanceStarted(_logger, id, state.Name, input.Trigger ?? "api");
            Launch(state);
            return new StartOutcome(state, true);
        }
        finally
        {
            _startGate.Release();
        }
    }

    /// <summary>One instance (live state when it runs here), or <see langword="null"/>.</summary>
    public async Task<InstanceState?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default) =>
        _running.TryGetValue(instanceId, out var runner) ? runner.Snapshot : await Instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);

    /// <summary>Instances matching <paramref name="query"/>, newest first.</summary>
    public async Task<IReadOnlyList<InstanceState>> ListInstancesAsync(InstanceQuery? query = null, CancellationToken cancellationToken = default)
    {
        var stored = await Instances.ListAsync(null, cancellationToken).ConfigureAwait(false);
        var list = new List<InstanceState>(stored.Count);
        foreach (var s in stored)
        {
            var live = _running.TryGetValue(s.InstanceId, out var runner) ? runner.Snapshot : s;
            if (query is null || query.Matches(live))
            {
                list.Add(live);
            }
        }

        return list;
    }

    /// <summary>Waits until the instance finishes (or the runtime stops) and returns its state.</summary>
    public async Task<InstanceState?> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (_running.TryGetValue(instanceId, out var runner))
        {
            return await runner.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await Instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Terminates a running instance: it stops at its next call and records the reason.</summary>
    public async Task<TerminateOutcome> TerminateAsync(string instanceId, string reason, CancellationToken cancellationToken = default)
    {
        if (_running.TryGetValue(instanceId, out var runner))
        {
            await runner.TerminateAsync(reason).ConfigureAwait(false);
            await runner.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            return TerminateOutcome.Terminated;
        }

        var state = await Instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return state is null ? TerminateOutcome.NotFound : TerminateOutcome.AlreadyFinished;
    }

    /// <summary>Deletes a finished instance and its history.</summary>
    public async Task<PurgeOutcome> PurgeAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var state = await GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return PurgeOutcome.NotFound;
        }

        if (state.IsActive)
        {
            return PurgeOutcome.StillActive;
        }

        await Instances.DeleteAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return PurgeOutcome.Purged;
    }

    /// <summary>Deletes every finished instance matching <paramref name="query"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        var count = 0;
        foreach (var state in await ListInstancesAsync(query, cancellationToken).ConfigureAwait(false))
        {
            if (!state.IsActive && await Instances.DeleteAsync(state.InstanceId, cancellationToken).ConfigureAwait(false))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Stops every running instance without finishing it (they stay Running and resume on the next start), then
    /// releases the lease. This is what a host shutdown does; a crash does the same minus the release.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var runner in _running.Values)
        {
            try
            {
                await runner.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The runner task itself was cancelled: nothing more to wait for.
            }
        }

        if (_renewal is not null)
        {
            await _renewal.ConfigureAwait(false);
        }

        if (_lease is not null)
        {
            await _lease.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _startGate.Dispose();
        foreach (var runner in _running.Values)
        {
            runner.Dispose();
        }
    }

    private void Launch(InstanceState state)
    {
        var runner = new InstanceRunner(state, Instances, _dispatcher, _options, _time, _logger, _stopping.Token);
        _running[state.InstanceId] = runner;
        runner.Start();
        _ = runner.Completion.ContinueWith(
            _ =>
            {
                if (runner.FencedReason is { } fenced)
                {
                    // Another host holds the lake now: this runtime must stop everything it runs.
                    LostReason ??= fenced;
                    _stopping.Cancel();
                }

                if (!_stopping.IsCancellationRequested && _running.TryRemove(state.InstanceId, out var done))
                {
                    done.Dispose();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task RenewLeaseAsync(IObjectLease lease, CancellationToken stopping)
    {
        var interval = _options.LeaseDuration / 3;
        try
        {
            while (true)
            {
                await Task.Delay(interval, _time, stopping).ConfigureAwait(false);
                await lease.RenewAsync(stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            LostReason ??= ex.Message;
            Log.LeaseLost(_logger, lease.Key, ex);
            await _stopping.CancelAsync().ConfigureAwait(false);
        }
    }
}
