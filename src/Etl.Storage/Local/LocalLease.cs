namespace Etl.Storage.Local;

/// <summary>A lock file holding the lease id and its expiry.</summary>
internal sealed class LocalLease(LocalObjectStore store, string key, string path, string leaseId, TimeSpan duration) : IObjectLease
{
    private bool _released;

    public string Key => key;

    public string LeaseId => leaseId;

    public Task RenewAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path) || !File.ReadAllText(path).StartsWith(leaseId, StringComparison.Ordinal))
        {
            throw new LeaseLostException($"Lease '{key}' in {store.Description} was lost (expired and taken over).", key);
        }

        var content = $"{leaseId}\n{DateTimeOffset.UtcNow.Add(duration).ToUnixTimeMilliseconds()}\n";
        File.WriteAllText(path, content);
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (!_released)
        {
            _released = true;
            if (File.Exists(path) && File.ReadAllText(path).StartsWith(leaseId, StringComparison.Ordinal))
            {
                File.Delete(path);
            }
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await ReleaseAsync().ConfigureAwait(false);
}
