using System.Buffers;
using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// A streaming read checked with MD5, as ranged GETs of <see cref="AzureBlobStorageOptions.ReadChunkBytes"/>, each checked by the SDK
/// against its transactional checksum before its bytes are handed on, with up to
/// <see cref="AzureBlobStorageOptions.ReadAheadChunks"/> further chunks fetched in parallel while the reader works. The
/// first GET pins the blob's ETag and every later one carries <c>If-Match</c>, so a blob replaced mid-read fails the read
/// instead of mixing two versions. Memory is bounded: one pooled buffer per chunk in flight.
/// </summary>
internal sealed class BlobReadStream : Stream
{
    private readonly AzureBlobObjectStore _store;
    private readonly BlockBlobClient _blob;
    private readonly string _key;
    private readonly int _chunkSize;
    private readonly int _readAhead;
    private readonly long _end;
    private readonly BlobRequestConditions _sameVersion;
    private readonly Queue<Task<Chunk>> _pending = new();
    private readonly CancellationTokenSource _abort = new();
    private long _nextOffset;
    private Chunk _current;
    private bool _disposed;

    private BlobReadStream(AzureBlobObjectStore store, BlockBlobClient blob, string key, Chunk first, long end, ETag etag)
    {
        _store = store;
        _blob = blob;
        _key = key;
        _chunkSize = store.Options.ReadChunkBytes;
        _readAhead = Math.Max(0, store.Options.ReadAheadChunks);
        _current = first;
        _nextOffset = first.Offset + first.Length;
        _end = end;
        _sameVersion = new BlobRequestConditions { IfMatch = etag };
        FetchAhead();
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Opens a read: with MD5 (at most 4 MiB per checked response) as chunks fetched ahead; with CRC64 or no checksum as
    /// one streaming GET, which the SDK checks segment by segment. The first request is made here, so a missing blob
    /// fails here, as the contract says.
    /// </summary>
    public static async Task<Stream> OpenAsync(AzureBlobObjectStore store, BlockBlobClient blob, string key, ByteRange range, CancellationToken cancellationToken)
    {
        return store.TransferChecksum == BlobTransferChecksum.Md5
            ? await OpenChunkedAsync(store, blob, key, range, cancellationToken).ConfigureAwait(false)
            : await OpenStreamingAsync(store, blob, key, range, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Stream> OpenStreamingAsync(AzureBlobObjectStore store, BlockBlobClient blob, string key, ByteRange range, CancellationToken cancellationToken)
    {
        if (range.Length == 0)
        {
            return Empty;
        }

        try
        {
            var options = new BlobDownloadOptions { Range = range is { Offset: 0, Length: null } ? default : new HttpRange(range.Offset, range.Length) };
            var response = await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
            return new BlobResponseStream(store, key, response.Value);
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
        {
            return await EmptyIfExistsAsync(store, key, ex, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (AzureBlobObjectStore.IsServiceFailure(ex, cancellationToken))
        {
            throw store.Fail(ex, "read", key);
        }
    }

    private static async Task<Stream> EmptyIfExistsAsync(AzureBlobObjectStore store, string key, RequestFailedException ex, CancellationToken cancellationToken)
    {
        // A range at or past the end (every range of an empty blob): nothing to read, if the blob exists.
        if (await store.GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ObjectNotFoundException($"{store.Description}/{key}: not found (read).", key, ex);
        }

        return Empty;
    }

    private static async Task<Stream> OpenChunkedAsync(AzureBlobObjectStore store, BlockBlobClient blob, string key, ByteRange range, CancellationToken cancellationToken)
    {
        var chunkSize = store.Options.ReadChunkBytes;
        var firstLength = (int)Math.Min(chunkSize, range.Length ?? chunkSize);
        if (firstLength <= 0)
        {
            return Empty;
        }

        BlobDownloadDetails details;
        Chunk first;
        try
        {
            (first, details) = await FetchAsync(blob, range.Offset, firstLength, chunkSize, null, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
        {
            return await EmptyIfExistsAsync(store, key, ex, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (AzureBlobObjectStore.IsServiceFailure(ex, cancellationToken))
        {
            throw store.Fail(ex, "read", key);
        }

        var total = TotalLength(details.ContentRange) ?? first.Offset + first.Length;
        var end = range.Length is { } n ? Math.Min(total, range.Offset + n) : total;
        return new BlobReadStream(store, blob, key, first, end, details.ETag);
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.Length == 0)
        {
            return 0;
        }

        while (_current.Remaining == 0)
        {
            _current.Return();
            if (_pending.Count == 0)
            {
                if (_nextOffset >= _end)
                {
                    return 0;
                }

                EnqueueNext();
            }

            var next = _pending.Dequeue();
            try
            {
                _current = await next.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (AzureBlobObjectStore.IsServiceFailure(ex, cancellationToken))
            {
                throw _store.Fail(ex, "read", _key);
            }

            FetchAhead();
        }

        var n = Math.Min(buffer.Length, _current.Remaining);
        _current.Buffer!.AsSpan(_current.Position, n).CopyTo(buffer.Span);
        _current.Position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _abort.CancelAsync().ConfigureAwait(false);
        _current.Return();
        while (_pending.Count > 0)
        {
            try
            {
                (await _pending.Dequeue().ConfigureAwait(false)).Return();
            }
            catch (Exception)
            {
                // Abandoned read-ahead: its failure (or cancellation) is of no interest once the reader has gone.
            }
        }

        _abort.Dispose();
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

    private static Stream Empty => new MemoryStream([], writable: false);

    private static long? TotalLength(string? contentRange)
    {
        // "bytes 0-4194303/10485760"
        var slash = contentRange?.LastIndexOf('/') ?? -1;
        return slash > 0 && long.TryParse(contentRange.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total) ? total : null;
    }

    private static async Task<(Chunk Chunk, BlobDownloadDetails Details)> FetchAsync(
        BlockBlobClient blob, long offset, int length, int bufferSize, BlobRequestConditions? conditions, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            var options = new BlobDownloadOptions { Range = new HttpRange(offset, length), Conditions = conditions };
            var response = await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false);
            using var result = response.Value;
            var filled = 0;
            int n;
            while (filled < length && (n = await result.Content.ReadAsync(buffer.AsMemory(filled, length - filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                filled += n;
            }

            return (new Chunk(buffer, offset, filled), result.Details);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Keeps the next chunks in flight: up to the read-ahead count beyond the one being read.</summary>
    private void FetchAhead()
    {
        while (_pending.Count < _readAhead && _nextOffset < _end)
        {
            EnqueueNext();
        }
    }

    private void EnqueueNext()
    {
        var offset = _nextOffset;
        var length = (int)Math.Min(_chunkSize, _end - offset);
        _nextOffset += length;
        _pending.Enqueue(FetchChunkAsync(offset, length));
    }

    private async Task<Chunk> FetchChunkAsync(long offset, int length)
    {
        var (chunk, _) = await FetchAsync(_blob, offset, length, _chunkSize, _sameVersion, _abort.Token).ConfigureAwait(false);
        if (chunk.Length != length)
        {
            chunk.Return();
            throw new IOException($"the service sent {chunk.Length:N0} of the {length:N0} bytes asked for at offset {offset:N0}");
        }

        return chunk;
    }

    /// <summary>One fetched range in a pooled buffer, and how far the reader has got through it.</summary>
    private struct Chunk(byte[] buffer, long offset, int length)
    {
        public byte[]? Buffer { get; private set; } = buffer;

        public long Offset { get; } = offset;

        public int Length { get; } = length;

        public int Position { get; set; }

        public readonly int Remaining => Buffer is null ? 0 : Length - Position;

        public void Return()
        {
            if (Buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = null;
            }
        }
    }
}
