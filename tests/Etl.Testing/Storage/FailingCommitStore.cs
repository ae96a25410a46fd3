using Etl.Storage;

namespace Etl.Testing.Storage;

/// <summary>
/// Wraps a real store so that the N-th committed write under <c>processed/</c> fails, as a permission error, a full
/// disk or an outage would in the middle of publishing a multi-partition file. Everything else goes to the inner
/// store unchanged; <see cref="Published"/> lists the outputs that were committed before (and after) the fault.
/// </summary>
public sealed class FailingCommitStore(IObjectStore inner, int failOnCommit, Func<string, Exception>? fault = null) : IObjectStore
{
    private readonly Func<string, Exception> _fault = fault ?? (key => new StorageException($"injected: permission denied publishing '{key}'", key));
    private int _commits;

    /// <summary>The outputs committed through this store, in order.</summary>
    public List<string> Published { get; } = [];

    /// <inheritdoc />
    public string Description => inner.Description;

    /// <inheritdoc />
    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    /// <inheritdoc />
    public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => inner.GetInfoAsync(key, cancellationToken);

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, range, cancellationToken);

    /// <inheritdoc />
    public async Task<ObjectWriteStream> OpenWriteAsync(string key, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        var stream = await inner.OpenWriteAsync(key, condition, cancellationToken).ConfigureAwait(false);
        return key.StartsWith("processed/", StringComparison.Ordinal) ? new Failing(this, key, stream) : stream;
    }

    /// <inheritdoc />
    public Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition = default, CancellationToken cancellationToken = default) => inner.PutAsync(key, content, condition, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    /// <inheritdoc />
    public Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken = default) => inner.CopyAsync(sourceKey, destinationKey, cancellationToken);

    /// <inheritdoc />
    public Task<IObjectLease?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken = default) => inner.TryAcquireLeaseAsync(key, duration, cancellationToken);

    private sealed class Failing(FailingCommitStore owner, string key, ObjectWriteStream inner) : ObjectWriteStream
    {
        public override void Flush() => inner.Flush();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override async Task<string> CommitAsync(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref owner._commits) == owner.FailOn)
            {
                throw owner._fault(key);
            }

            var etag = await inner.CommitAsync(cancellationToken).ConfigureAwait(false);
            lock (owner.Published)
            {
                owner.Published.Add(key);
            }

            return etag;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private int FailOn => failOnCommit;
}
