using System.Globalization;
using System.Text;

namespace Etl.Storage;

/// <summary>
/// A store whose every change is fenced: a host that takes a lake's lease also takes the lake's fencing token
/// (<see cref="TakeAsync"/>: a generation number and a holder id, written with a conditional write to
/// <see cref="FenceKey"/>), and before each write, commit, copy or delete this store checks that the token in the lake
/// is still its own. A host that lost its lease (it expired, or the lease object was deleted and another host took the
/// lake) therefore stops at its next change with <see cref="LakeFencedException"/> instead of writing beside the new
/// holder. Reads are not fenced. The check and the change are two requests, so a change already under way when another
/// host takes over can still land; every output key is derived from its file version, so such a change writes the
/// same bytes the new holder writes.
/// </summary>
public sealed class FencedObjectStore : IObjectStore
{
    /// <summary>Key of the lake's fencing token.</summary>
    public const string FenceKey = "_meta/locks/fence";

    private readonly IObjectStore _inner;
    private string? _etag;
    private long _generation;

    /// <summary>Wraps <paramref name="inner"/>; changes are refused until <see cref="TakeAsync"/> succeeds.</summary>
    public FencedObjectStore(IObjectStore inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>The store this one fences.</summary>
    public IObjectStore Inner => _inner;

    /// <summary>The generation taken by <see cref="TakeAsync"/> (0 before).</summary>
    public long Generation => _generation;

    /// <inheritdoc />
    public string Description => _inner.Description;

    /// <summary>
    /// Takes the lake's fencing token: the next generation, with <paramref name="holder"/> (who and where) in it. Call it
    /// right after taking the lake's lease; from then on any host that held the lake before is fenced out.
    /// </summary>
    public async Task<long> TakeAsync(string holder, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await _inner.GetInfoAsync(FenceKey, cancellationToken).ConfigureAwait(false);
            var generation = current is null ? 1 : await ReadGenerationAsync(cancellationToken).ConfigureAwait(false) + 1;
            var content = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{generation}\n{holder}\n{Guid.NewGuid():N}\n{DateTimeOffset.UtcNow:O}\n"));
            try
            {
                _etag = await _inner.PutAsync(FenceKey, content, current is null ? WriteCondition.IfNotExists : WriteCondition.IfMatch(current.ETag), cancellationToken).ConfigureAwait(false);
                _generation = generation;
                return generation;
            }
            catch (PreconditionFailedException) when (attempt < 5)
            {
                // Another host took a generation between our read and write: read again.
            }
        }
    }

    /// <summary>Throws <see cref="LakeFencedException"/> unless the lake's fencing token is still the one this store took.</summary>
    public async Task EnsureHeldAsync(CancellationToken cancellationToken = default)
    {
        if (_etag is null)
        {
            throw new LakeFencedException($"Refused to change {_inner.Description}: this host has not taken the lake's fencing token ({FenceKey}). This is a bug.", 0);
        }

        var current = await _inner.GetInfoAsync(FenceKey, cancellationToken).ConfigureAwait(false);
        if (current?.ETag != _etag)
        {
            throw new LakeFencedException(
                $"This run lost the lake {_inner.Description}: another host took it over (the fencing token {FenceKey} is no longer generation {_generation}"
                + (current is null ? ", it was deleted" : "") + "), so this host stopped before changing anything more. "
                + "The host that holds the lake now carries the work on; `etl status` shows its run.",
                _generation);
        }
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => _inner.ListAsync(prefix, cancellationToken);

    /// <inheritdoc />
    public Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default) => _inner.GetInfoAsync(key, cancellationToken);

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default) => _inner.OpenReadAsync(key, range, cancellationToken);

    /// <inheritdoc />
    public async Task<ObjectWriteStream> OpenWriteAsync(string key, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        await EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        return new FencedWriteStream(this, await _inner.OpenWriteAsync(key, condition, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        await EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        return await _inner.PutAsync(key, content, condition, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        await EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        return await _inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken = default)
    {
        await EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
        await _inner.CopyAsync(sourceKey, destinationKey, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IObjectLease?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken = default) =>
        _inner.TryAcquireLeaseAsync(key, duration, cancellationToken);

    private async Task<long> ReadGenerationAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stream = await _inner.OpenReadAsync(FenceKey, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var first = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                return long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : 0;
            }
        }
        catch (ObjectNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Checks the fence again at commit, the moment the object becomes visible.</summary>
    private sealed class FencedWriteStream(FencedObjectStore owner, ObjectWriteStream inner) : ObjectWriteStream
    {
        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override async Task<string> CommitAsync(CancellationToken cancellationToken = default)
        {
            await owner.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
            return await inner.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// This host no longer holds the lake: another host took the lake's fencing token (after this host's lease expired or
/// was deleted), so this host must stop changing the lake. Not transient: retrying would only be refused again.
/// </summary>
public sealed class LakeFencedException(string message, long generation) : StorageException(message, FencedObjectStore.FenceKey)
{
    /// <summary>The generation this host held.</summary>
    public long Generation { get; } = generation;
}
