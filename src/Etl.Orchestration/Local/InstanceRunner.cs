using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Etl.Orchestration.Local;

/// <summary>Runs one instance of an orchestrator in-process: replays recorded results, records new ones, keeps the state current.</summary>
internal sealed class InstanceRunner : IDisposable
{
    private readonly InstanceStore _store;
    private readonly LocalRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cts;
    private readonly ConcurrentDictionary<string, HistoryEvent> _history = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _saveGate = new(1, 1);
    private readonly Lock _stateGate = new();
    private InstanceState _state;
    private long _lastSaveTicks;
    private int _trailingSave;
    private string? _terminateReason;

    public InstanceRunner(InstanceState state, InstanceStore store, PipelineActivityDispatcher dispatcher, LocalRuntimeOptions options, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        _state = state;
        _store = store;
        Dispatcher = dispatcher;
        _options = options;
        Time = time;
        _logger = logger;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    public PipelineActivityDispatcher Dispatcher { get; }

    public TimeProvider Time { get; }

    public CancellationToken Token => _cts.Token;

    /// <summary>Why the instance stopped without finishing because another host fenced this one out, or null.</summary>
    public string? FencedReason { get; private set; }

    public Task<InstanceState> Completion { get; private set; } = Task.FromResult<InstanceState>(null!);

    public InstanceState Snapshot
    {
        get
        {
            lock (_stateGate)
            {
                return _state;
            }
        }
    }

    public void Start() => Completion = Task.Run(RunAsync);

    public bool TryGetRecorded(string id, [NotNullWhen(true)] out HistoryEvent? recorded) => _history.TryGetValue(id, out recorded);

    public async Task<HistoryEvent> RecordAsync(string id, string kind, string name, string scope, string inputJson, JsonElement? result, string? error, bool isTransient, int attempts)
    {
        using var input = JsonDocument.Parse(inputJson);
        var e = new HistoryEvent(id, kind, name, scope, input.RootElement.Clone(), error is null, result, error, isTransient, attempts, Time.GetUtcNow());

        // Not cancellable: a result that was computed is worth keeping even while the host shuts down.
        await _store.SaveHistoryAsync(Snapshot.InstanceId, e, CancellationToken.None).ConfigureAwait(false);
        _history[id] = e;
        return e;
    }

    public void SetCustomStatus(JsonElement status)
    {
        lock (_stateGate)
        {
            _state = _state with { CustomStatus = status, LastUpdatedTime = Time.GetUtcNow() };
        }

        var now = Time.GetTimestamp();
        var last = Interlocked.Read(ref _lastSaveTicks);
        var since = Time.GetElapsedTime(last, now);
        if (since >= _options.StatusSaveInterval && Interlocked.CompareExchange(ref _lastSaveTicks, now, last) == last)
        {
            _ = SaveQuietlyAsync();
        }
        else if (Interlocked.Exchange(ref _trailingSave, 1) == 0)
        {
            // Too soon after the last save: save once more when the interval is up, so the latest status is never lost.
            _ = SaveLaterAsync(_options.StatusSaveInterval - since);
        }
    }

    private async Task SaveLaterAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Time, _cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // stopping: the final save writes the state
        }
        finally
        {
            Volatile.Write(ref _trailingSave, 0);
        }

        Interlocked.Exchange(ref _lastSaveTicks, Time.GetTimestamp());
        await SaveQuietlyAsync().ConfigureAwait(false);
    }

    public void LogRetry(string name, int attempt, TimeSpan delay, string error) => Log.ActivityRetry(_logger, name, attempt, delay.TotalMilliseconds, error);

    public async Task TerminateAsync(string reason)
    {
        _terminateReason = reason;
        await _cts.CancelAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _cts.Dispose();
    }

    private async Task<InstanceState> RunAsync()
    {
        var initial = Snapshot;
        foreach (var e in await _store.GetHistoryAsync(initial.InstanceId, CancellationToken.None).ConfigureAwait(false))
        {
            _history[e.Id] = e;
        }

        if (initial.RuntimeStatus == OrchestrationRuntimeStatus.Running)
        {
            Log.InstanceResumed(_logger, initial.InstanceId, initial.Name, _history.Count);
        }

        Update(s => s with { RuntimeStatus = OrchestrationRuntimeStatus.Running });
        await SaveAsync().ConfigureAwait(false);
        var context = new LocalOrchestrationContext(this, initial.InstanceId, string.Empty, initial.CreatedTime.UtcDateTime);
        InstanceState final;
        try
        {
            var output = await OrchestratorRegistry.RunAsync(initial.Name, context, initial.Input?.GetRawText() ?? "null").ConfigureAwait(false);
            final = Finished(OrchestrationRuntimeStatus.Completed, JsonSerializer.SerializeToElement(output, OrchestrationJson.Options));
            Log.InstanceCompleted(_logger, initial.InstanceId);
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            if (_terminateReason is null)
            {
                // Host shutdown or a lost lease: the instance stays Running and the next start resumes it.
                Log.InstanceInterrupted(_logger, initial.InstanceId);
                try
                {
                    await SaveAsync().ConfigureAwait(false);
                }
                catch (Etl.Storage.LakeFencedException ex)
                {
                    FencedReason = ex.Message;
                }

                return Snapshot;
            }

            final = Finished(OrchestrationRuntimeStatus.Terminated, JsonSerializer.SerializeToElement(_terminateReason, OrchestrationJson.Options));
            Log.InstanceTerminated(_logger, initial.InstanceId, _terminateReason);
        }
        catch (Etl.Storage.LakeFencedException ex)
        {
            // Another host holds the lake now: record nothing (every write would be refused anyway); the instance stays
            // as the lake has it, for the new holder to resume.
            FencedReason = ex.Message;
            Log.LakeFenced(_logger, initial.InstanceId, ex.Message);
            return Snapshot;
        }
        catch (Exception ex)
        {
            final = Finished(OrchestrationRuntimeStatus.Failed, JsonSerializer.SerializeToElement(ex.Message, OrchestrationJson.Options));
            Log.InstanceFailed(_logger, initial.InstanceId, ex);
        }

        // Persist and free the active-run marker before anyone can see the instance finished, so a start that follows
        // a finished status never meets the marker of a finished run.
        await _saveGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _store.SaveAsync(final, CancellationToken.None).ConfigureAwait(false);
            await _store.ReleaseActiveAsync(initial.InstanceId, CancellationToken.None).ConfigureAwait(false);
            lock (_stateGate)
            {
                _state = final;
            }
        }
        catch (Etl.Storage.LakeFencedException ex)
        {
            FencedReason = ex.Message;
            Log.LakeFenced(_logger, initial.InstanceId, ex.Message);
            return Snapshot;
        }
        finally
        {
            _saveGate.Release();
        }

        return final;
    }

    private InstanceState Finished(OrchestrationRuntimeStatus status, JsonElement output)
    {
        lock (_stateGate)
        {
            return _state with { RuntimeStatus = status, Output = output, LastUpdatedTime = Time.GetUtcNow() };
        }
    }

    private void Update(Func<InstanceState, InstanceState> change)
    {
        lock (_stateGate)
        {
            _state = change(_state) with { LastUpdatedTime = Time.GetUtcNow() };
        }
    }

    private async Task SaveAsync()
    {
        await _saveGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _store.SaveAsync(Snapshot, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _saveGate.Release();
        }
    }

    private async Task SaveQuietlyAsync()
    {
        try
        {
            await SaveAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.StatusSaveFailed(_logger, Snapshot.InstanceId, ex);
        }
    }
}
