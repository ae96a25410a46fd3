namespace Etl.Storage.AzureBlob;

/// <summary>
/// A Blob lease on a small lock blob (created empty when missing). Blob leases last 15 to 60 seconds or forever: a
/// requested duration in that range is used as is; a longer one takes 60-second leases that this holder renews in the
/// background until the requested duration passes without <see cref="RenewAsync"/>, so a holder that dies loses the
/// lease within a minute. Another holder can acquire an expired lease; the old holder's renew then fails.
/// </summary>
internal sealed class BlobLease : IObjectLease
{
    private readonly AzureBlobObjectStore _store;
    private readonly TimeSpan _duration;
    private readonly int _blobSeconds;
    private readonly Timer? _keepAlive;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _expiresUtc;
    private bool _released;

    private BlobLease(AzureBlobObjectStore store, string key, string leaseId, TimeSpan duration, int blobSeconds)
    {
        _store = store;
        Key = key;
        LeaseId = leaseId;
        _duration = duration;
        _blobSeconds = blobSeconds;
        _expiresUtc = DateTimeOffset.UtcNow + duration;
        if (duration > TimeSpan.FromSeconds(60))
        {
            var every = TimeSpan.FromSeconds(blobSeconds / 3.0);
            _keepAlive = new Timer(_ => _ = KeepAliveAsync(), null, every, every);
        }
    }

    public string Key { get; }

    public string LeaseId { get; }

    public static async Task<IObjectLease?> TryAcquireAsync(AzureBlobObjectStore store, string key, TimeSpan duration, CancellationToken cancellationToken)
    {
        var seconds = (int)Math.Clamp(Math.Ceiling(duration.TotalSeconds), 15, 60);
        var proposed = Guid.NewGuid().ToString();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var response = await store.LeaseAsync(key, "acquire", null, proposed, seconds, cancellationToken).ConfigureAwait(false);
            switch (response.Status)
            {
                case 201:
                    return new BlobLease(store, key, proposed, duration, seconds);
                case 409:
                    return null; // LeaseAlreadyPresent: someone holds a live lease
                case 404:
                    // No lock blob yet: create it (losing that race to another holder is fine), then acquire.
                    try
                    {
                        await store.PutBlobAsync(key, ReadOnlyMemory<byte>.Empty, WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                    }
                    catch (PreconditionFailedException)
                    {
                    }

                    continue;
                default:
                    throw store.Fail(response, "acquire the lease on", key);
            }
        }

        return null;
    }

    public async Task RenewAsync(CancellationToken cancellationToken = default)
    {
        await RenewBlobLeaseAsync(cancellationToken).ConfigureAwait(false);
        _expiresUtc = DateTimeOffset.UtcNow + _duration;
    }

    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (_released)
        {
            return;
        }

        _released = true;
        if (_keepAlive is not null)
        {
            await _keepAlive.DisposeAsync().ConfigureAwait(false);
        }

        // 409 means the lease is no longer ours (expired and taken): nothing to release.
        await _store.LeaseAsync(Key, "release", LeaseId, null, null, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // The lease expires by itself.
        }
    }

    private async Task RenewBlobLeaseAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await _store.LeaseAsync(Key, "renew", LeaseId, null, null, cancellationToken).ConfigureAwait(false);
            if (response.Status != 200)
            {
                throw new LeaseLostException($"Lease '{Key}' in {_store.Description} was lost (expired and taken over). Stop work and retry the run later.", Key);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task KeepAliveAsync()
    {
        if (_released || DateTimeOffset.UtcNow > _expiresUtc)
        {
            return;
        }

        try
        {
            await RenewBlobLeaseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            // The holder learns of the loss at its next RenewAsync.
        }
    }
}
