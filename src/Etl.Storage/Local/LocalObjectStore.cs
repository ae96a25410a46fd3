using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Etl.Storage.Local;

/// <summary>
/// The local-disk adapter: a folder is the lake root. Writes go to a temp file under <c>.etl-tmp/</c> (ignored by
/// listing), are flushed to disk and renamed into place, so a reader never sees a partial object. The ETag is the
/// SHA-256 of the content (first 16 bytes, hex), computed while writing or on first read of a file written by others.
/// </summary>
public sealed class LocalObjectStore : IObjectStore, IAbandonedWriteSweeper
{
    private const string TempFolder = ".etl-tmp";
    private readonly string _root;

    /// <summary>Creates the store over <paramref name="rootPath"/> (created if missing).</summary>
    public LocalObjectStore(string rootPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        _root = Path.GetFullPath(rootPath);
        Directory.CreateDirectory(_root);
    }

    /// <inheritdoc />
    public string Description => _root;

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var files = new List<string>();
        if (Directory.Exists(_root))
        {
            foreach (var path in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
            {
                var key = ToKey(path);
                if (key.StartsWith(TempFolder + "/", StringComparison.Ordinal) || !key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                files.Add(key);
            }
        }

        files.Sort(StringComparer.Ordinal);
        foreach (var key in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = await GetInfoAsync(key, cancellationToken).ConfigureAwait(false);
            if (info is not null)
            {
                yield return info;
            }
        }
    }

    /// <inheritdoc />
    public async Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return null;
        }

        var etag = await ETagCache.GetAsync(path, file.Length, file.LastWriteTimeUtc, cancellationToken).ConfigureAwait(false);
        return new ObjectInfo(key, file.Length, etag, file.LastWriteTimeUtc);
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException ex)
        {
            throw new ObjectNotFoundException($"No object '{key}' in {_root}.", key, ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new ObjectNotFoundException($"No object '{key}' in {_root}.", key, ex);
        }

        if (range is { } r)
        {
            stream.Position = r.Offset;
            if (r.Length is { } len)
            {
                return Task.FromResult<Stream>(new BoundedReadStream(stream, len));
            }
        }

        return Task.FromResult<Stream>(stream);
    }

    /// <inheritdoc />
    public Task<ObjectWriteStream> OpenWriteAsync(string key, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        var tempDir = Path.Combine(_root, TempFolder);
        try
        {
            Directory.CreateDirectory(tempDir);
        }
        catch (Exception ex) when (LocalFaults.IsFault(ex))
        {
            throw LocalFaults.Map(ex, _root, key, "start writing");
        }

        var temp = Path.Combine(tempDir, Guid.NewGuid().ToString("N"));
        return Task.FromResult<ObjectWriteStream>(new LocalWriteStream(this, key, path, temp, condition));
    }

    /// <inheritdoc />
    public async Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        var stream = await OpenWriteAsync(key, condition, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            return await stream.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (LocalFaults.IsFault(ex))
        {
            throw LocalFaults.Map(ex, _root, key, "delete");
        }

        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public async Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(destinationKey);
        var source = await OpenReadAsync(sourceKey, null, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var target = await OpenWriteAsync(destinationKey, WriteCondition.None, cancellationToken).ConfigureAwait(false);
            await using (target.ConfigureAwait(false))
            {
                await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                await target.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async Task<IObjectLease?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var leaseId = Guid.NewGuid().ToString("N");
        var content = LeaseContent(leaseId, duration);
        if (TryCreateExclusive(path, content))
        {
            return new LocalLease(this, key, path, leaseId, duration);
        }

        // Someone holds it: take it over only if it expired. Takers serialize on a guard file held with an exclusive
        // OS lock (flock on Unix; released by the kernel if the holder dies), re-check expiry under the guard, then
        // delete and create-exclusive. Renaming the stale file away without a guard is not safe: a slow taker could
        // move a lock that a faster taker had just created.
        if (!IsExpired(path))
        {
            return null;
        }

        var guard = TryOpenGuard(key);
        if (guard is null)
        {
            return null; // another taker is taking it over right now
        }

        await using (guard.ConfigureAwait(false))
        {
            if (!IsExpired(path))
            {
                return null;
            }

            try
            {
                File.Delete(path);
            }
            catch (FileNotFoundException)
            {
                // released meanwhile: fine, create below
            }

            return TryCreateExclusive(path, content) ? new LocalLease(this, key, path, leaseId, duration) : null;
        }
    }

    /// <inheritdoc />
    public Task<int> SweepAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
    {
        var tempDir = Path.Combine(_root, TempFolder);
        var removed = 0;
        if (!Directory.Exists(tempDir))
        {
            return Task.FromResult(removed);
        }

        // Only top-level temp files: locks/ holds the guard files, which live processes hold open with OS locks.
        foreach (var path in Directory.EnumerateFiles(tempDir, "*", SearchOption.TopDirectoryOnly))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (File.GetLastWriteTimeUtc(path) < startedBefore.UtcDateTime)
                {
                    File.Delete(path);
                    removed++;
                }
            }
            catch (IOException)
            {
                // Gone already, or in use on a platform that locks open files: leave it.
            }
        }

        return Task.FromResult(removed);
    }

    /// <summary>Opens the per-key guard file with an exclusive OS lock, or returns null when someone else holds it.</summary>
    internal FileStream? TryOpenGuard(string key)
    {
        var guardDir = Path.Combine(_root, TempFolder, "locks");
        Directory.CreateDirectory(guardDir);
        var guardPath = Path.Combine(guardDir, Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))));
        try
        {
            return new FileStream(guardPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Waits (briefly) for the per-key guard; used by renew and release, which must not race a takeover.</summary>
    internal async Task<FileStream> OpenGuardAsync(string key, CancellationToken cancellationToken)
    {
        var delay = 5;
        while (true)
        {
            var guard = TryOpenGuard(key);
            if (guard is not null)
            {
                return guard;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 100);
        }
    }

    /// <summary>A fresh path in the temp folder (ignored by listing), on the same file system as the root.</summary>
    internal string NewTempPath()
    {
        var tempDir = Path.Combine(_root, TempFolder);
        Directory.CreateDirectory(tempDir);
        return Path.Combine(tempDir, Guid.NewGuid().ToString("N"));
    }

    internal string PathOf(string key)
    {
        ObjectKey.Validate(key);
        var full = Path.GetFullPath(Path.Combine(_root, key));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidObjectKeyException($"Invalid object key '{key}': it resolves outside the lake root {_root}.", key);
        }

        return full;
    }

    internal static bool TryCreateExclusive(string path, byte[] content)
    {
        FileStream fs;
        try
        {
            // Share everything: readers judging expiry must not trip over an OS lock while the content is written;
            // a half-written file reads as "not expired" (see IsExpired).
            fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (IOException ex) when (ex is not DirectoryNotFoundException and not PathTooLongException)
        {
            // O_EXCL failed: it existed at that instant (it may be gone again already, deleted by a takeover).
            return false;
        }

        using (fs)
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }

        return true;
    }

    /// <summary>
    /// A lock file's content: the lease id, its expiry (Unix ms), and the holder's host, process id and process start
    /// time, so that a taker on the same host can tell at once that the holder died (kill -9, a crash) instead of
    /// waiting for the lease to expire.
    /// </summary>
    internal static byte[] LeaseContent(string leaseId, TimeSpan duration) =>
        System.Text.Encoding.UTF8.GetBytes(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{leaseId}\n{DateTimeOffset.UtcNow.Add(duration).ToUnixTimeMilliseconds()}\n{Environment.MachineName}\n{Environment.ProcessId}\n{s_processStart}\n"));

    private static readonly long s_processStart = ProcessStartTicks(Environment.ProcessId) ?? 0;

    /// <summary>The start time of a live process on this host (ticks), or null when no such process runs.</summary>
    private static long? ProcessStartTicks(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime().Ticks;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Whether the lock names a holder on this host whose process is gone (or whose pid now belongs to another process).</summary>
    private static bool HolderIsDead(string[] lines)
    {
        if (lines.Length < 5 || lines[2] != Environment.MachineName
            || !int.TryParse(lines[3], System.Globalization.CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(lines[4], System.Globalization.CultureInfo.InvariantCulture, out var started))
        {
            return false;
        }

        if (pid == Environment.ProcessId)
        {
            return false; // this process: another runtime in it holds the lease, alive by definition
        }

        return ProcessStartTicks(pid) is not { } now || Math.Abs(now - started) > TimeSpan.TicksPerSecond;
    }

    private static bool IsExpired(string path)
    {
        try
        {
            var lines = File.ReadAllLines(path);
            if (lines.Length >= 2 && long.TryParse(lines[1], System.Globalization.CultureInfo.InvariantCulture, out var expires))
            {
                return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > expires || HolderIsDead(lines);
            }

            // Unreadable content: either being written this instant by a new holder, or left by a crashed one.
            // Only the second is old.
            return DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > TimeSpan.FromSeconds(30);
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        catch (IOException)
        {
            return false; // busy: someone is writing it right now, so it is alive
        }
    }

    private string ToKey(string path) => Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>Computes content hashes once per (path, size, mtime).</summary>
    internal static class ETagCache
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Size, DateTime Modified, string ETag)> s_cache = new(StringComparer.Ordinal);

        public static async Task<string> GetAsync(string path, long size, DateTime modified, CancellationToken cancellationToken)
        {
            if (s_cache.TryGetValue(path, out var hit) && hit.Size == size && hit.Modified == modified)
            {
                return hit.ETag;
            }

            var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
            await using (fs.ConfigureAwait(false))
            {
                var hash = await SHA256.HashDataAsync(fs, cancellationToken).ConfigureAwait(false);
                var etag = Convert.ToHexStringLower(hash.AsSpan(0, 16));
                s_cache[path] = (size, modified, etag);
                return etag;
            }
        }

        public static void Set(string path, long size, DateTime modified, string etag) => s_cache[path] = (size, modified, etag);
    }
}
