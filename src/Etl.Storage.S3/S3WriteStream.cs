using System.Buffers;
using Amazon.S3.Model;

namespace Etl.Storage.S3;

/// <summary>
/// A streaming write of unknown length. Bytes fill one pooled part buffer; the first full part starts a multipart
/// upload and each full part is uploaded in the background (at most <see cref="S3StorageOptions.MaxConcurrentParts"/>
/// in flight, so memory stays bounded whatever the size). Commit sends a small object as one PUT, or the last part and
/// CompleteMultipartUpload with the write condition; before that nothing is visible. Disposing without commit aborts
/// the upload so no parts are left behind.
/// </summary>
internal sealed class S3WriteStream : ObjectWriteStream
{
    private readonly S3ObjectStore _store;
    private readonly string _key;
    private readonly WriteCondition _condition;
    private int _partSize;
    private readonly SemaphoreSlim _inFlight;
    private readonly List<Task<PartETag>> _parts = [];
    private readonly CancellationTokenSource _abort = new();
    private byte[] _buffer;
    private int _filled;
    private string? _uploadId;
    private const int MaxParts = 10_000;
    private const int MaxPartSize = 512 << 20;
    private bool _committed;
    private bool _disposed;

    public S3WriteStream(S3ObjectStore store, string key, WriteCondition condition)
    {
        _store = store;
        _key = key;
        _condition = condition;
        _partSize = store.Options.PartSizeBytes;
        _inFlight = new SemaphoreSlim(Math.Max(1, store.Options.MaxConcurrentParts));
        _buffer = ArrayPool<byte>.Shared.Rent(_partSize);
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, _partSize - _filled);
            buffer.Span[..n].CopyTo(_buffer.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == _partSize)
            {
                await StartPartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override void Flush()
    {
    }

    public override async Task<string> CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException($"{_store.Description}/{_key}: already committed.");
        }

        if (_uploadId is null)
        {
            var etag = await _store.PutBytesAsync(_key, _buffer.AsMemory(0, _filled), _condition, cancellationToken).ConfigureAwait(false);
            _committed = true;
            return etag;
        }

        if (_filled > 0)
        {
            await StartPartAsync(cancellationToken).ConfigureAwait(false);
        }

        var parts = await Task.WhenAll(_parts).ConfigureAwait(false);
        var request = new CompleteMultipartUploadRequest
        {
            BucketName = _store.Bucket,
            Key = _store.Prefix + _key,
            UploadId = _uploadId,
            PartETags = [.. parts],
        };
        S3ObjectStore.ApplyCondition(_condition, c => request.IfNoneMatch = c, c => request.IfMatch = c);
        try
        {
            var response = await _store.CallAsync("complete the upload of", _key, () => _store.Client.CompleteMultipartUploadAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            _committed = true;
            return S3ObjectStore.Unquote(response.ETag);
        }
        catch (ObjectNotFoundException ex) when (_condition.Kind == WriteConditionKind.IfMatch)
        {
            throw new PreconditionFailedException($"{_store.Description}/{_key}: the write condition failed (complete the upload): the object no longer exists.", _key, ex);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_committed && _uploadId is not null)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(_parts).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StorageException or OperationCanceledException)
            {
                // The upload is being abandoned; its parts' failures do not matter.
            }

            try
            {
                await _store.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _store.Bucket, Key = _store.Prefix + _key, UploadId = _uploadId }).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException)
            {
                // Best effort: a bucket lifecycle rule for incomplete multipart uploads cleans up what is left (docs/storage.md).
            }
        }

        ArrayPool<byte>.Shared.Return(_buffer);
        _abort.Dispose();
        _inFlight.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private async Task StartPartAsync(CancellationToken cancellationToken)
    {
        if (_uploadId is null)
        {
            var init = await _store.CallAsync("start an upload of", _key, () => _store.Client.InitiateMultipartUploadAsync(
                new InitiateMultipartUploadRequest { BucketName = _store.Bucket, Key = _store.Prefix + _key }, cancellationToken), cancellationToken).ConfigureAwait(false);
            _uploadId = init.UploadId;
        }

        // A failed part fails the write now, not at commit.
        foreach (var done in _parts)
        {
            if (done.IsFaulted)
            {
                await done.ConfigureAwait(false);
            }
        }

        var number = _parts.Count + 1;
        if (number > MaxParts)
        {
            throw new StorageException(
                $"{_store.Description}/{_key}: the object needs more than S3's {MaxParts:N0} parts at {_partSize:N0} bytes a part; raise PartSizeBytes or lower PartSizeGrowthEvery.");
        }

        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        var buffer = _buffer;
        var length = _filled;
        var growEvery = _store.Options.PartSizeGrowthEvery;
        if (growEvery > 0 && number % growEvery == 0 && _partSize < MaxPartSize)
        {
            // Parts may differ in size (all but the last at least 5 MiB): doubling keeps a huge file within 10,000 parts.
            _partSize = Math.Min(_partSize * 2, MaxPartSize);
        }

        _buffer = ArrayPool<byte>.Shared.Rent(_partSize);
        _filled = 0;
        _parts.Add(UploadPartAsync(buffer, length, number));
    }

    private async Task<PartETag> UploadPartAsync(byte[] buffer, int length, int number)
    {
        try
        {
            var request = new UploadPartRequest
            {
                BucketName = _store.Bucket,
                Key = _store.Prefix + _key,
                UploadId = _uploadId,
                PartNumber = number,
                InputStream = new S3ObjectStore.ReadOnlyMemoryStream(buffer.AsMemory(0, length)),
                PartSize = length,
                UseChunkEncoding = false,
            };
            var token = _abort.Token;
            var response = await _store.CallAsync($"upload part {number} of", _key, () => _store.Client.UploadPartAsync(request, token), token).ConfigureAwait(false);
            return new PartETag(number, response.ETag);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _inFlight.Release();
        }
    }
}
