namespace Etl.Storage.Local;

/// <summary>
/// A lock file holding the lease id and its expiry. Renew and release hold the same per-key guard as a takeover,
/// so neither can overwrite or delete a lock another holder has just taken.
/// </summary>
internal sealed class LocalLease(LocalObjectStore store, string key, string path, string leaseId, TimeSpan duration) : IObjectLease
{
    private bool _released;

    public string Key => key;

    public string LeaseId => leaseId;

    public async Task RenewAsync(CancellationToken cancellationToken = default)
    {
        var guard = await store.OpenGuardAsync(key, cancellationToken).ConfigureAwait(false);
        await using (guard.ConfigureAwait(false))
        {
            if (!IsMine())
            {
                throw new LeaseLostException($"Lease '{key}' in {store.Description} was lost (expired and taken over). Stop work and retry the run later.", key);
            }

            // Write beside and rename over, so a reader never sees a half-written lock file.
            var content = LocalObjectStore.LeaseContent(leaseId, duration);
            var temp = store.NewTempPath();
            await File.WriteAllBytesAsync(temp, content, cancellationToken).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
    }

    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (_released)
        {
            return;
        }

        _released = true;
        var guard = await store.OpenGuardAsync(key, cancellationToken).ConfigureAwait(false);
        await using (guard.ConfigureAwait(false))
        {
            if (IsMine())
            {
                File.Delete(path);
            }
        }
    }

    public async ValueTask DisposeAsync() => await ReleaseAsync().ConfigureAwait(false);

    private bool IsMine()
    {
        try
        {
            return File.ReadAllText(path).StartsWith(leaseId, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // gone (FileNotFoundException) or being created by another holder
        }
    }
}
