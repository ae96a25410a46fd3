using Etl.Testing.Storage;

namespace Etl.Storage.AzureBlob.Tests;

/// <summary>The shared storage contract against the Blob adapter (Azure.Storage.Blobs) and a real Azurite (Shared Key authorization, MD5 checksums).</summary>
[Collection(nameof(AloneCollection))]
public sealed class AzureBlobContractTests : ObjectStoreContractTests
{
    /// <summary>Blob leases last at least 15 seconds.</summary>
    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(15);

    protected override async Task<IObjectStore> CreateStoreAsync() => await BlobTestStores.NewStoreAsync();
}
