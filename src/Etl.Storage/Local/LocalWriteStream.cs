using System.Security.Cryptography;

namespace Etl.Storage.Local;

/// <summary>Writes to a temp file while hashing; commit flushes to disk and renames into place under the write condition.</summary>
internal sealed class LocalWriteStream(LocalObjectStore store, string key, string path, string tempPath, WriteCondition condition) : ObjectWriteStream
{
    private readonly FileStream _file = Open(store, key, tempPath);
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _committed;
    private bool _disposed;

    public override void Flush()
    {
        try
        {
            _file.Flush();
        }
        catch (Exception ex) when (LocalFaults.IsFault(ex))
        {
            throw LocalFaults.Map(ex, store.Description, key, "write");
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (LocalFaults.IsFault(ex))
        {
            throw LocalFaults.Map(ex, store.Description, key, "write");
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        try
        {
            _file.Write(buffer);
        }
        catch (Exception ex) when (LocalFaults.IsFault(ex))
        {
            throw LocalFaults.Map(ex, store.Description, key, "write");
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        try
        {
            await _file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (LocalFaults.IsFault(ex))
        {
            throw LocalFaults.Map(ex, store.Description, key, "write");
        }
    }

    private static FileStream Open(LocalObjectStore store, string key, string tempPath)
    {
        try
        {
            return new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (LocalFaults.IsFault(ex))
        {
            throw LocalFaults.Map(ex, store.Description, key, "start writing");
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task<string> CommitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await PublishAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (LocalFaults.IsFault(ex))
        {
            throw LocalFaults.Map(ex, store.Description, key, "publish");
        }
    }

    private async Task<string> PublishAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        _file.Flush(flushToDisk: true);
        await _file.DisposeAsync().ConfigureAwait(false);
        var etag = Convert.ToHexStringLower(_hash.GetHashAndReset().AsSpan(0, 16));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        // Rename keeps the inode, so the published file has exactly this size and mtime: cache the ETag under them,
        // not under whatever a concurrent writer may have put at the path by the time we look.
        var written = new FileInfo(tempPath);
        var (size, modified) = (written.Length, written.LastWriteTimeUtc);
        switch (condition.Kind)
        {
            case WriteConditionKind.IfNotExists:
                if (!NativeFile.TryLinkNoReplace(tempPath, path))
                {
                    File.Delete(tempPath);
                    throw new PreconditionFailedException($"Object '{key}' already exists in {store.Description}; create-only write refused.", key);
                }

                File.Delete(tempPath);
                break;
            case WriteConditionKind.IfMatch:
                // Check and replace under the per-key guard, so two if-match writers of the same version cannot both win.
                var guard = await store.OpenGuardAsync(key, cancellationToken).ConfigureAwait(false);
                await using (guard.ConfigureAwait(false))
                {
                    var current = await store.GetInfoAsync(key, cancellationToken).ConfigureAwait(false);
                    if (current is null || current.ETag != condition.ETag)
                    {
                        File.Delete(tempPath);
                        throw new PreconditionFailedException($"Object '{key}' in {store.Description} changed (ETag is {current?.ETag ?? "none"}, expected {condition.ETag}); write refused. Re-read it and retry.", key);
                    }

                    File.Move(tempPath, path, overwrite: true);
                }

                break;
            default:
                File.Move(tempPath, path, overwrite: true);
                break;
        }

        LocalObjectStore.ETagCache.Set(path, size, modified, etag);
        _committed = true;
        return etag;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                _file.Dispose();
            }
            catch (IOException) when (!_committed)
            {
                // Flushing the rest of an abandoned write failed (a full disk): the temp file is deleted below anyway.
            }

            _hash.Dispose();
            if (!_committed && File.Exists(tempPath))
            {
                File.Delete(tempPath);
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            try
            {
                await _file.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException) when (!_committed)
            {
                // As in Dispose: an abandoned write's last flush may fail on a full disk.
            }
        }

        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
