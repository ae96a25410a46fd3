using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Etl.Storage.Configuration;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// The Azure Blob adapter, built on the Azure.Storage.Blobs SDK: its pipeline brings Shared Key, SAS and Entra ID
/// authorization, retries with exponential backoff and jitter, and transactional checksums (CRC64 against Azure, MD5
/// against Azurite) on every upload and download request. Keys live under <c>container/prefix/</c>. Writes of unknown
/// length stage blocks and commit them with Put Block List, so nothing is visible before commit; conditional writes use
/// <c>If-None-Match: *</c> and <c>If-Match</c>; reads are ranged GETs fetched ahead of the reader; the lease is a blob
/// lease on a lock blob.
/// </summary>
public sealed partial class AzureBlobObjectStore : IObjectStore
{
    private readonly BlobConnection _connection;

    /// <summary>Creates the store for a parsed lake location.</summary>
    public AzureBlobObjectStore(LakeLocation location, AzureBlobStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Prefix = location.Prefix.Length == 0 ? "" : location.Prefix.Trim('/') + "/";
        Description = location.Description;
        if (options.BlockSizeBytes < 64 << 10)
        {
            throw new StorageException($"Blob block size {options.BlockSizeBytes:N0} bytes is below 64 KiB; raise BlockSizeBytes.");
        }

        if (options.ReadChunkBytes < 64 << 10)
        {
            throw new StorageException($"Blob read chunk size {options.ReadChunkBytes:N0} bytes is below 64 KiB; raise ReadChunkBytes.");
        }

        _connection = BlobConnection.Create(location, options);
        if (_connection.Checksum == StorageChecksumAlgorithm.MD5 && options.ReadChunkBytes > 4 << 20)
        {
            throw new StorageException(
                $"Blob read chunk size {options.ReadChunkBytes:N0} bytes is above 4 MiB, the most the service returns an MD5 for; lower ReadChunkBytes or use TransferChecksum Crc64.");
        }
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>The key prefix inside the container ("" or ending in '/').</summary>
    public string Prefix { get; }

    /// <summary>How requests are authorized: "sas", "shared key" or "entra id".</summary>
    public string AuthKind => _connection.AuthKind;

    /// <summary>The transactional checksum on every transfer, <see cref="BlobTransferChecksum.Auto"/> resolved: Crc64, Md5 or None.</summary>
    public BlobTransferChecksum TransferChecksum => _connection.Checksum switch
    {
        StorageChecksumAlgorithm.StorageCrc64 => BlobTransferChecksum.Crc64,
        StorageChecksumAlgorithm.MD5 => BlobTransferChecksum.Md5,
        _ => BlobTransferChecksum.None,
    };

    internal AzureBlobStorageOptions Options { get; }

    /// <summary>Creates the container when it does not exist (tests, <c>etl init</c> against Azurite).</summary>
    public Task CreateContainerIfNotExistsAsync(CancellationToken cancellationToken = default) =>
        RunAsync("create the container", "", ct => _connection.Container.CreateIfNotExistsAsync(cancellationToken: ct), cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var pages = _connection.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix + prefix }, cancellationToken)
            .AsPages(pageSizeHint: 5000)
            .GetAsyncEnumerator(cancellationToken);
        await using (pages.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await pages.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (IsServiceFailure(ex, cancellationToken))
                {
                    throw Fail(ex, "list", prefix);
                }

                if (!more)
                {
                    break;
                }

                foreach (var item in pages.Current.Values)
                {
                    var properties = item.Properties;
                    yield return new ObjectInfo(
                        item.Name[Prefix.Length..],
                        properties.ContentLength ?? 0,
                        ETagText(properties.ETag),
                        (properties.LastModified ?? DateTimeOffset.MinValue).ToUniversalTime());
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        var blob = Blob(key);
        try
        {
            var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return new ObjectInfo(key, properties.ContentLength, ETagText(properties.ETag), properties.LastModified.ToUniversalTime());
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode != BlobErrorCode.ContainerNotFound.ToString())
        {
            return null;
        }
        catch (Exception ex) when (IsServiceFailure(ex, cancellationToken))
        {
            throw Fail(ex, "read info of", key);
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return BlobReadStream.OpenAsync(this, Blob(key), key, range ?? new ByteRange(0), cancellationToken);
    }

    /// <inheritdoc />
    public Task<ObjectWriteStream> OpenWriteAsync(string key, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return Task.FromResult<ObjectWriteStream>(new BlobWriteStream(this, Blob(key), key, condition));
    }

    /// <inheritdoc />
    public Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return PutBlobAsync(Blob(key), key, content, condition, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        var blob = Blob(key);
        var deleted = await RunAsync("delete", key, ct => blob.DeleteIfExistsAsync(cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        return deleted.Value;
    }

    /// <inheritdoc />
    public async Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(sourceKey);
        ObjectKey.Validate(destinationKey);
        if (await GetInfoAsync(sourceKey, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ObjectNotFoundException($"{Description}/{sourceKey}: not found (copy to {destinationKey}).", sourceKey);
        }

        // Copy Blob within one account: the destination request's authorization covers the source (a SAS rides in its URI).
        var source = Blob(sourceKey);
        var destination = Blob(destinationKey);
        var operation = await RunAsync($"copy to {destinationKey}", sourceKey, ct => destination.StartCopyFromUriAsync(source.Uri, cancellationToken: ct), cancellationToken)
            .ConfigureAwait(false);
        if (operation.HasCompleted)
        {
            return;
        }

        await RunAsync("wait for the copy to", destinationKey, ct => operation.WaitForCompletionAsync(TimeSpan.FromMilliseconds(200), ct).AsTask(), cancellationToken)
            .ConfigureAwait(false);
        var status = (await RunAsync("check the copy to", destinationKey, ct => destination.GetPropertiesAsync(cancellationToken: ct), cancellationToken).ConfigureAwait(false)).Value.CopyStatus;
        if (status != CopyStatus.Success)
        {
            throw new StorageException($"{Description}/{destinationKey}: copy from {sourceKey} ended '{status}'. Try again.", destinationKey, isTransient: true);
        }
    }

    /// <inheritdoc />
    public Task<IObjectLease?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return BlobLease.TryAcquireAsync(this, Blob(key), key, duration, cancellationToken);
    }

    /// <summary>One Put Blob carrying the condition: the whole content in one request, so the condition and the bytes land together.</summary>
    internal async Task<string> PutBlobAsync(BlockBlobClient blob, string key, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions
        {
            Conditions = Conditions(condition),

            // Never partitioned into blocks by the SDK (it compares the checksum-encoded length, which is larger than the
            // content, with this threshold): a single Put Blob keeps the write atomic under its condition.
            TransferOptions = new StorageTransferOptions { InitialTransferSize = blob.BlockBlobMaxUploadBlobLongBytes, MaximumConcurrency = 1 },
        };
        var response = await RunAsync(
            "write",
            key,
            async ct =>
            {
                using var stream = AsStream(content);
                return await blob.UploadAsync(stream, options, ct).ConfigureAwait(false);
            },
            cancellationToken,
            condition).ConfigureAwait(false);
        return ETagText(response.Value.ETag);
    }

    internal static BlobRequestConditions? Conditions(WriteCondition condition) => condition.Kind switch
    {
        WriteConditionKind.IfNotExists => new BlobRequestConditions { IfNoneMatch = ETag.All },
        WriteConditionKind.IfMatch => new BlobRequestConditions { IfMatch = new ETag("\"" + condition.ETag!.Trim('"') + "\"") },
        _ => null,
    };

    internal static Stream AsStream(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    internal static string ETagText(ETag? etag) => etag?.ToString().Trim('"') ?? "";

    private BlockBlobClient Blob(string key) => _connection.Container.GetBlockBlobClient(Prefix + key);
}
