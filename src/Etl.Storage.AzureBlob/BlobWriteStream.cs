using System.Buffers;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// A streaming write of unknown length: bytes fill one pooled block buffer; full blocks are staged with the SDK's
/// StageBlock (Put Block, with the transactional checksum) in the background, at most
/// <see cref="AzureBlobStorageOptions.MaxConcurrentBlocks"/> in flight. Commit writes a small object with one Put Blob,
/// or stages the last block and commits the list with CommitBlockList (Put Block List) and the write condition. Staged
/// blocks are invisible until then, and uncommitted blocks are discarded by the service. (The SDK's own OpenWrite
/// stream is not used: it commits when disposed, where the contract says disposing without commit abandons.)
/// </summary>
internal sealed class BlobWriteStream : ObjectWriteStream
{
    private readonly AzureBlobObjectStore _store;
    private readonly BlockBlobClient _blob;
    private readonly string _key;
    private readonly WriteCondition _condition;
    private readonly int _blockSize;
    private readonly SemaphoreSlim _inFlight;
    private readonly List<Task> _blocks = [];
    private readonly List<string> _blockIds = [];
    private readonly CancellationTokenSource _abort = new();
    private readonly string _uploadId = Guid.NewGuid().ToString("N")[..12];
    private byte[] _buffer;
    private int _filled;
    private bool _committed;
    private bool _disposed;

    public BlobWriteStream(AzureBlobObjectStore store, BlockBlobClient blob, string key, WriteCondition condition)
    {
        _store = store;
        _blob = blob;
        _key = key;
        _condition = condition;
        _blockSize = store.Options.BlockSizeBytes;
        _inFlight = new SemaphoreSlim(Math.Max(1, store.Options.MaxConcurrentBlocks));
        _buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, _blockSize - _filled);
            buffer.Span[..n].CopyTo(_buffer.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == _blockSize)
            {
                await StageAsync(cancellationToken).ConfigureAwait(false);
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

        string etag;
        if (_blockIds.Count == 0)
        {
            etag = await _store.PutBlobAsync(_blob, _key, _buffer.AsMemory(0, _filled), _condition, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (_filled > 0)
            {
                await StageAsync(cancellationToken).ConfigureAwait(false);
            }

            await Task.WhenAll(_blocks).ConfigureAwait(false);
            var options = new CommitBlockListOptions { Conditions = AzureBlobObjectStore.Conditions(_condition) };
            var response = await _store.RunAsync("commit the blocks of", _key, ct => _blob.CommitBlockListAsync(_blockIds, options, ct), cancellationToken, _condition)
                .ConfigureAwait(false);
            etag = AzureBlobObjectStore.ETagText(response.Value.ETag);
        }

        _committed = true;
        return etag;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _abort.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_blocks).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StorageException or OperationCanceledException)
        {
            // Abandoned or failed: staged blocks that are never committed are discarded by the service.
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

    private async Task StageAsync(CancellationToken cancellationToken)
    {
        foreach (var done in _blocks)
        {
            if (done.IsFaulted)
            {
                await done.ConfigureAwait(false);
            }
        }

        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);

        // Block ids must have one length within a blob: a per-upload id and a fixed-width number, base64.
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{_uploadId}-{_blockIds.Count:D6}")));
        _blockIds.Add(id);
        var buffer = _buffer;
        var length = _filled;
        _buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
        _filled = 0;
        _blocks.Add(PutBlockAsync(id, buffer, length));
    }

    private async Task PutBlockAsync(string id, byte[] buffer, int length)
    {
        try
        {
            await _store.RunAsync(
                "stage a block of",
                _key,
                async ct =>
                {
                    using var content = new MemoryStream(buffer, 0, length, writable: false);
                    return await _blob.StageBlockAsync(id, content, new BlockBlobStageBlockOptions(), ct).ConfigureAwait(false);
                },
                _abort.Token).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _inFlight.Release();
        }
    }
}
