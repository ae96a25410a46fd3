namespace Etl.Storage;

/// <summary>
/// The storage contract the pipeline talks to. One implementation per backend (local disk, S3, Azure Blob);
/// nothing outside an adapter project knows which one is in use. Keys are forward-slash paths relative to the
/// store root and are validated by <see cref="ObjectKey.Validate(string)"/> on every call.
/// </summary>
public interface IObjectStore
{
    /// <summary>Human-readable description of the root for messages, e.g. <c>s3://bucket/prefix</c>. Never contains a secret.</summary>
    string Description { get; }

    /// <summary>Lists objects whose key starts with <paramref name="prefix"/>, in key order, paging as the backend requires.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Gets one object's info, or <see langword="null"/> when it does not exist.</summary>
    Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Opens an object for streaming read. Throws <see cref="ObjectNotFoundException"/> when it does not exist.</summary>
    /// <param name="key">The key.</param>
    /// <param name="range">Optional byte range (offset, length); <see langword="null"/> for the whole object.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a write of unknown length. Nothing is visible at <paramref name="key"/> until
    /// <see cref="ObjectWriteStream.CommitAsync(CancellationToken)"/> succeeds; disposing without commit abandons the write.
    /// The condition is checked at commit: a failed precondition throws <see cref="PreconditionFailedException"/>.
    /// </summary>
    Task<ObjectWriteStream> OpenWriteAsync(string key, WriteCondition condition = default, CancellationToken cancellationToken = default);

    /// <summary>Writes a small object in one call, honouring <paramref name="condition"/>. Returns the new ETag.</summary>
    Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition = default, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object. Returns <see langword="false"/> when it did not exist.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Copies an object within the store (used for archiving).</summary>
    Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Tries to take an exclusive, expiring lease named by <paramref name="key"/> (Blob lease, S3 conditional-write lock
    /// object, lock file locally). Returns <see langword="null"/> when another holder has a live lease.
    /// An expired lease can be taken over.
    /// </summary>
    Task<IObjectLease?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken = default);
}

/// <summary>A byte range for ranged reads.</summary>
/// <param name="Offset">First byte.</param>
/// <param name="Length">Number of bytes; <see langword="null"/> for "to the end".</param>
public readonly record struct ByteRange(long Offset, long? Length = null);

/// <summary>An exclusive lease held on a key. Renew before it expires; dispose or release when done.</summary>
public interface IObjectLease : IAsyncDisposable
{
    /// <summary>The leased key.</summary>
    string Key { get; }

    /// <summary>An identifier of this holder.</summary>
    string LeaseId { get; }

    /// <summary>Extends the lease by its duration. Throws <see cref="LeaseLostException"/> if it was lost.</summary>
    Task RenewAsync(CancellationToken cancellationToken = default);

    /// <summary>Releases the lease so another holder can take it at once.</summary>
    Task ReleaseAsync(CancellationToken cancellationToken = default);
}
