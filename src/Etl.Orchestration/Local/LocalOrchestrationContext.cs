using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Etl.Orchestration.Local;

/// <summary>
/// The port over the local runtime. Each call gets a deterministic id (scope, name, input, occurrence); a call whose
/// result is recorded returns it without running again, so a resumed instance replays up to where it stopped.
/// </summary>
internal sealed class LocalOrchestrationContext(InstanceRunner runner, string instanceId, string scope, DateTime now) : IOrchestrationContext
{
    private readonly Dictionary<string, int> _occurrences = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private DateTime _now = now;
    private bool _replaying = true;

    public string InstanceId => instanceId;

    public DateTime CurrentUtcDateTime
    {
        get
        {
            lock (_gate)
            {
                return _now;
            }
        }
    }

    public bool IsReplaying => _replaying;

    public Task<TResult> CallActivityAsync<TResult>(string name, object? input, ActivityRetryPolicy? retry = null)
    {
        var inputJson = JsonSerializer.Serialize(input, OrchestrationJson.Options);
        var id = NextId("activity", name, inputJson);
        if (runner.TryGetRecorded(id, out var recorded))
        {
            return Task.FromResult(Deliver<TResult>(recorded));
        }

        _replaying = false;
        return ExecuteActivityAsync<TResult>(id, name, inputJson, retry ?? ActivityRetryPolicy.None);
    }

    public Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input)
    {
        var inputJson = JsonSerializer.Serialize(input, OrchestrationJson.Options);
        var id = NextId("orchestrator", name, inputJson);
        if (runner.TryGetRecorded(id, out var recorded))
        {
            return Task.FromResult(Deliver<TResult>(recorded));
        }

        return ExecuteSubOrchestratorAsync<TResult>(id, name, inputJson);
    }

    public void SetCustomStatus(object? status) => runner.SetCustomStatus(JsonSerializer.SerializeToElement(status, OrchestrationJson.Options));

    private async Task<TResult> ExecuteActivityAsync<TResult>(string id, string name, string inputJson, ActivityRetryPolicy retry)
    {
        var token = runner.Token;
        for (var attempt = 1; ; attempt++)
        {
            token.ThrowIfCancellationRequested();
            object? result;
            try
            {
                result = await runner.Dispatcher.InvokeAsync(name, inputJson, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw;
            }
            catch (Etl.Storage.LakeFencedException)
            {
                throw; // this host lost the lake: nothing may be recorded; the new holder carries the work on
            }
            catch (Exception ex)
            {
                var transient = ex is TransientActivityException;
                if (retry.ShouldRetry(attempt, transient))
                {
                    var delay = retry.DelayAfter(attempt);
                    runner.LogRetry(name, attempt, delay, ex.Message);
                    await Task.Delay(delay, runner.Time, token).ConfigureAwait(false);
                    continue;
                }

                var failed = await runner.RecordAsync(id, "activity", name, scope, inputJson, null, ex.Message, transient, attempt).ConfigureAwait(false);
                return Deliver<TResult>(failed);
            }

            var e = await runner.RecordAsync(id, "activity", name, scope, inputJson, JsonSerializer.SerializeToElement(result, OrchestrationJson.Options), null, false, attempt).ConfigureAwait(false);
            return Deliver<TResult>(e);
        }
    }

    private async Task<TResult> ExecuteSubOrchestratorAsync<TResult>(string id, string name, string inputJson)
    {
        var child = new LocalOrchestrationContext(runner, $"{instanceId}-{id[..12]}", id, CurrentUtcDateTime);
        object? output;
        try
        {
            output = await OrchestratorRegistry.RunAsync(name, child, inputJson).ConfigureAwait(true);
        }
        catch (OperationCanceledException) when (runner.Token.IsCancellationRequested)
        {
            throw;
        }
        catch (Etl.Storage.LakeFencedException)
        {
            throw;
        }
        catch (Exception ex)
        {
            var failed = await runner.RecordAsync(id, "orchestrator", name, scope, inputJson, null, ex is ActivityFailedException a ? a.Reason : ex.Message, ex is EtlException { IsTransient: true }, 1).ConfigureAwait(false);
            return Deliver<TResult>(failed);
        }

        var e = await runner.RecordAsync(id, "orchestrator", name, scope, inputJson, JsonSerializer.SerializeToElement(output, OrchestrationJson.Options), null, false, 1).ConfigureAwait(false);
        return Deliver<TResult>(e);
    }

    private TResult Deliver<TResult>(HistoryEvent e)
    {
        lock (_gate)
        {
            var at = e.CompletedAt.UtcDateTime;
            if (at > _now)
            {
                _now = at;
            }
        }

        if (!e.Succeeded)
        {
            throw new ActivityFailedException(e.Name, e.Error ?? "unknown error", e.IsTransient);
        }

        return e.Result is { } r ? r.Deserialize<TResult>(OrchestrationJson.Options)! : default!;
    }

    private string NextId(string kind, string name, string inputJson)
    {
        var basis = $"{scope}\n{kind}\n{name}\n{inputJson}";
        int occurrence;
        lock (_gate)
        {
            occurrence = _occurrences.GetValueOrDefault(basis);
            _occurrences[basis] = occurrence + 1;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{basis}\n{occurrence}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
