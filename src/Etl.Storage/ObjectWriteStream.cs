namespace Etl.Storage;

/// <summary>
/// A write-only stream to an object store. Data becomes visible only when <see cref="CommitAsync"/> succeeds
/// (temp file and rename locally, multipart complete on S3, Put Block List on Blob). Disposing without committing aborts.
/// </summary>
public abstract class ObjectWriteStream : Stream
{
    /// <summary>Publishes the object atomically and returns its ETag.</summary>
    public abstract Task<string> CommitAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public sealed override bool CanRead => false;

    /// <inheritdoc />
    public sealed override bool CanSeek => false;

    /// <inheritdoc />
    public sealed override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public sealed override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public sealed override void SetLength(long value) => throw new NotSupportedException();
}
