using System.Text.Json;
using Etl.Storage;

namespace Etl.Orchestration.Local;

/// <summary>
/// Persists orchestration instances in the lake through <see cref="IObjectStore"/>, so the same works on disk, S3 and
/// Blob: <c>_meta/instances/&lt;id&gt;/instance.json</c>, its recorded calls under <c>history/</c>, and the
/// <c>_meta/instances/active.json</c> marker naming the pipeline's one active instance (created with a create-only write).
/// </summary>
public sealed class InstanceStore(IObjectStore store)
{
    /// <summary>Key prefix of all instances.</summary>
    public const string Root = "_meta/instances/";

    /// <summary>Key of the active-instance marker.</summary>
    public const string ActiveKey = "_meta/instances/active.json";

    private const string InstanceFile = "/instance.json";

    /// <summary>Writes an instance's state.</summary>
    public Task SaveAsync(InstanceState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return store.PutAsync(InstanceKey(state.InstanceId), JsonSerializer.SerializeToUtf8Bytes(state, OrchestrationJson.Options), WriteCondition.None, cancellationToken);
    }

    /// <summary>Reads an instance, or <see langword="null"/> when there is none with that id.</summary>
    public async Task<InstanceState?> GetAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (!IsValidId(instanceId))
        {
            return null;
        }

        return await ReadAsync<InstanceState>(InstanceKey(instanceId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists every instance matching <paramref name="query"/>, newest first.</summary>
    public async Task<IReadOnlyList<InstanceState>> ListAsync(InstanceQuery? query = null, CancellationToken cancellationToken = default)
    {
        var list = new List<InstanceState>();
        await foreach (var o in store.ListAsync(Root, cancellationToken).ConfigureAwait(false))
        {
            if (!o.Key.EndsWith(InstanceFile, StringComparison.Ordinal) || o.Key.AsSpan(Root.Length).Count('/') != 1)
            {
                continue;
            }

            var state = await ReadAsync<InstanceState>(o.Key, cancellationToken).ConfigureAwait(false);
            if (state is not null && (query is null || query.Matches(state)))
            {
                list.Add(state);
            }
        }

        list.Sort((a, b) => b.CreatedTime.CompareTo(a.CreatedTime));
        return list;
    }

    /// <summary>Records one call's result.</summary>
    public Task SaveHistoryAsync(string instanceId, HistoryEvent historyEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(historyEvent);
        return store.PutAsync(HistoryPrefix(instanceId) + historyEvent.Id + ".json", JsonSerializer.SerializeToUtf8Bytes(historyEvent, OrchestrationJson.Options), WriteCondition.None, cancellationToken);
    }

    /// <summary>Reads every recorded call of an instance.</summary>
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var list = new List<HistoryEvent>();
        if (!IsValidId(instanceId))
        {
            return list;
        }

        await foreach (var o in store.ListAsync(HistoryPrefix(instanceId), cancellationToken).ConfigureAwait(false))
        {
            if (await ReadAsync<HistoryEvent>(o.Key, cancellationToken).ConfigureAwait(false) is { } e)
            {
                list.Add(e);
            }
        }

        list.Sort((a, b) => a.CompletedAt.CompareTo(b.CompletedAt));
        return list;
    }

    /// <summary>Deletes an instance and its history. Returns whether it existed.</summary>
    public async Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (!IsValidId(instanceId))
        {
            return false;
        }

        var keys = new List<string>();
        await foreach (var o in store.ListAsync(Root + instanceId + "/", cancellationToken).ConfigureAwait(false))
        {
            keys.Add(o.Key);
        }

        // The state file goes last, so an interrupted purge leaves a listed instance that can be purged again.
        keys.Sort((a, b) => a.EndsWith(InstanceFile, StringComparison.Ordinal).CompareTo(b.EndsWith(InstanceFile, StringComparison.Ordinal)));
        foreach (var key in keys)
        {
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }

        return keys.Count > 0;
    }

    /// <summary>Names <paramref name="instanceId"/> the active instance if no marker exists. Returns whether it did.</summary>
    public async Task<bool> TryClaimActiveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PutAsync(ActiveKey, Marker(instanceId), WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PreconditionFailedException)
        {
            return false;
        }
    }

    /// <summary>Replaces a stale marker (one naming an instance that is no longer active), only if it is unchanged since read.</summary>
    public async Task<bool> TryReplaceActiveAsync(string staleInstanceId, string instanceId, CancellationToken cancellationToken = default)
    {
        var info = await store.GetInfoAsync(ActiveKey, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            return await TryClaimActiveAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }

        if (await GetActiveAsync(cancellationToken).ConfigureAwait(false) != staleInstanceId)
        {
            return false;
        }

        try
        {
            await store.PutAsync(ActiveKey, Marker(instanceId), WriteCondition.IfMatch(info.ETag), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PreconditionFailedException)
        {
            return false;
        }
    }

    /// <summary>The id named by the active marker, or <see langword="null"/>.</summary>
    public async Task<string?> GetActiveAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync<ActiveMarker>(ActiveKey, cancellationToken).ConfigureAwait(false))?.InstanceId;

    /// <summary>Removes the active marker if it names <paramref name="instanceId"/>.</summary>
    public async Task ReleaseActiveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (await GetActiveAsync(cancellationToken).ConfigureAwait(false) == instanceId)
        {
            await store.DeleteAsync(ActiveKey, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether an id is safe to use in a key (ASCII letters, digits, '-' and '_'; at most 100 characters).</summary>
    public static bool IsValidId(string? instanceId)
    {
        if (string.IsNullOrEmpty(instanceId) || instanceId.Length > 100)
        {
            return false;
        }

        foreach (var c in instanceId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    private static string InstanceKey(string instanceId) => Root + instanceId + InstanceFile;

    private static string HistoryPrefix(string instanceId) => Root + instanceId + "/history/";

    private static byte[] Marker(string instanceId) => JsonSerializer.SerializeToUtf8Bytes(new ActiveMarker(instanceId), OrchestrationJson.Options);

    private async Task<T?> ReadAsync<T>(string key, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var stream = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync<T>(stream, OrchestrationJson.Options, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    private sealed record ActiveMarker(string InstanceId);
}
