using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// A Blob lease (the SDK's <see cref="BlobLeaseClient"/>) on a small lock blob, created empty when missing. Blob leases
/// last 15 to 60 seconds or forever: a requested duration in that range is used as is; a longer one takes 60-second
/// leases that this holder renews in the background until the requested duration passes without
/// <see cref="RenewAsync"/>, so a holder that dies loses the lease within a minute. Another holder can acquire an
/// expired lease; the old holder's renew then fails.
/// </summary>
internal sealed class BlobLease : IObjectLease
{
    private readonly AzureBlobObjectStore _store;
    private readonly BlobLeaseClient _lease;
    private readonly TimeSpan _duration;
    private readonly Timer? _keepAlive;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _expiresUtc;
    private bool _released;

    private BlobLease(AzureBlobObjectStore store, BlobLeaseClient lease, string key, TimeSpan duration, int blobSeconds)
    {
        _store = store;
        _lease = lease;
        Key = key;
        _duration = duration;
        _expiresUtc = DateTimeOffset.UtcNow + duration;
        if (duration > TimeSpan.FromSeconds(60))
        {
            var every = TimeSpan.FromSeconds(blobSeconds / 3.0);
            _keepAlive = new Timer(_ => _ = KeepAliveAsync(), null, every, every);
        }
    }

    public string Key { get; }

    public string LeaseId => _lease.LeaseId;

    public static async Task<IObjectLease?> TryAcquireAsync(AzureBlobObjectStore store, BlockBlobClient blob, string key, TimeSpan duration, CancellationToken cancellationToken)
    {
        var seconds = (int)Math.Clamp(Math.Ceiling(duration.TotalSeconds), 15, 60);
        var lease = blob.GetBlobLeaseClient(Guid.NewGuid().ToString());
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                await lease.AcquireAsync(TimeSpan.FromSeconds(seconds), cancellationToken: cancellationToken).ConfigureAwait(false);
                return new BlobLease(store, lease, key, duration, seconds);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                return null; // LeaseAlreadyPresent: someone holds a live lease
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == BlobErrorCode.BlobNotFound.ToString())
            {
                // No lock blob yet: create it (losing that race to another holder is fine), then acquire.
                try
                {
                    await store.PutBlobAsync(blob, key, ReadOnlyMemory<byte>.Empty, WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                }
                catch (PreconditionFailedException)
                {
                }
            }
            catch (Exception ex) when (AzureBlobObjectStore.IsServiceFailure(ex, cancellationToken))
            {
                throw store.Fail(ex, "acquire the lease on", key);
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

        try
        {
            await _lease.ReleaseAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            // The lease is no longer ours (expired and taken, or the lock blob is gone): nothing to release.
        }
        catch (Exception ex) when (AzureBlobObjectStore.IsServiceFailure(ex, cancellationToken))
        {
            throw _store.Fail(ex, "release the lease on", Key);
        }
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
            await _lease.RenewAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            throw new LeaseLostException($"Lease '{Key}' in {_store.Description} was lost (expired and taken over). Stop work and retry the run later.", Key, ex);
        }
        catch (Exception ex) when (AzureBlobObjectStore.IsServiceFailure(ex, cancellationToken))
        {
            throw _store.Fail(ex, "renew the lease on", Key);
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
