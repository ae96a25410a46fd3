using System.Globalization;
using System.Text;
using Amazon.S3.Model;

namespace Etl.Storage.S3;

/// <summary>
/// A lease on S3: a small lock object holding the holder's id and its expiry, created with <c>If-None-Match: *</c>.
/// An expired lock is taken over by replacing it with <c>If-Match</c> on the ETag that was read, so of several takers
/// exactly one wins; renewals use <c>If-Match</c> too, and release deletes with <c>If-Match</c>. Expiry is judged by the
/// clocks of the contenders, which must agree to within a small fraction of the lease duration (NTP).
/// </summary>
internal sealed class S3Lease : IObjectLease
{
    private readonly S3ObjectStore _store;
    private readonly TimeSpan _duration;
    private string _etag;
    private bool _released;

    private S3Lease(S3ObjectStore store, string key, string leaseId, string etag, TimeSpan duration)
    {
        _store = store;
        Key = key;
        LeaseId = leaseId;
        _etag = etag;
        _duration = duration;
    }

    public string Key { get; }

    public string LeaseId { get; }

    public static async Task<IObjectLease?> TryAcquireAsync(S3ObjectStore store, string key, TimeSpan duration, CancellationToken cancellationToken)
    {
        var leaseId = Guid.NewGuid().ToString("N");
        try
        {
            var etag = await store.PutBytesAsync(key, Content(leaseId, duration), WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
            return new S3Lease(store, key, leaseId, etag, duration);
        }
        catch (PreconditionFailedException)
        {
            // Held, or left behind by a holder that died: look at its expiry.
        }

        var (current, currentEtag) = await ReadAsync(store, key, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            // Released in between: one more create-only attempt.
            try
            {
                var etag = await store.PutBytesAsync(key, Content(leaseId, duration), WriteCondition.IfNotExists, cancellationToken).ConfigureAwait(false);
                return new S3Lease(store, key, leaseId, etag, duration);
            }
            catch (PreconditionFailedException)
            {
                return null;
            }
        }

        if (current.Value.ExpiresUtc > DateTimeOffset.UtcNow)
        {
            return null;
        }

        try
        {
            var etag = await store.PutBytesAsync(key, Content(leaseId, duration), WriteCondition.IfMatch(currentEtag!), cancellationToken).ConfigureAwait(false);
            return new S3Lease(store, key, leaseId, etag, duration);
        }
        catch (PreconditionFailedException)
        {
            return null;
        }
    }

    public async Task RenewAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            _etag = await _store.PutBytesAsync(Key, Content(LeaseId, _duration), WriteCondition.IfMatch(_etag), cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException ex)
        {
            throw new LeaseLostException($"Lease '{Key}' in {_store.Description} was lost (expired and taken over). Stop work and retry the run later.", Key, ex);
        }
    }

    public async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (_released)
        {
            return;
        }

        _released = true;
        var request = new DeleteObjectRequest { BucketName = _store.Bucket, Key = _store.Prefix + Key, IfMatch = "\"" + _etag + "\"" };
        try
        {
            await _store.CallAsync("release the lease", Key, () => _store.Client.DeleteObjectAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (PreconditionFailedException)
        {
            // Already taken over by someone else: nothing of ours to release.
        }
        catch (ObjectNotFoundException)
        {
        }
    }

    public async ValueTask DisposeAsync() => await ReleaseAsync().ConfigureAwait(false);

    private static ReadOnlyMemory<byte> Content(string leaseId, TimeSpan duration) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{leaseId}\n{DateTimeOffset.UtcNow.Add(duration).ToUnixTimeMilliseconds()}\n"));

    private static async Task<((string Holder, DateTimeOffset ExpiresUtc)? Lock, string? ETag)> ReadAsync(S3ObjectStore store, string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await store.Client.GetObjectAsync(new GetObjectRequest { BucketName = store.Bucket, Key = store.Prefix + key }, cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            var holder = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? "";
            var expires = long.TryParse(await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : DateTimeOffset.MinValue;
            return ((holder, expires), S3ObjectStore.Unquote(response.ETag));
        }
        catch (Amazon.S3.AmazonS3Exception ex) when (S3Errors.IsNotFound(ex))
        {
            return (null, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw S3Errors.Map(ex, store.Description, "read the lease", key);
        }
    }
}
