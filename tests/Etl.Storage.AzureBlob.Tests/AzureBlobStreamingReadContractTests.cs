using Etl.Testing.Storage;

namespace Etl.Storage.AzureBlob.Tests;

/// <summary>
/// The storage contract again with transactional checksums off, so reads take the single streaming GET that CRC64 uses
/// against Azure (Azurite gets MD5 and the chunked read-ahead in <see cref="AzureBlobContractTests"/>).
/// </summary>
[Collection(nameof(AloneCollection))]
public sealed class AzureBlobStreamingReadContractTests : ObjectStoreContractTests
{
    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(15);

    /// <summary>256 MiB: the bounded-heap check of the same path without another full GiB of test time.</summary>
    protected override long LargeObjectBytes => 256L << 20;

    protected override async Task<IObjectStore> CreateStoreAsync() =>
        await BlobTestStores.NewStoreAsync(options: new AzureBlobStorageOptions { BlockSizeBytes = 4 << 20, TransferChecksum = BlobTransferChecksum.None });
}
