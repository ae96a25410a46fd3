using Etl.Testing.Storage;

namespace Etl.Storage.AzureBlob.Tests;

/// <summary>The shared storage contract against the Blob REST adapter and a real Azurite (Shared Key authorization).</summary>
[Collection(nameof(AloneCollection))]
public sealed class AzureBlobContractTests : ObjectStoreContractTests
{
    /// <summary>Blob leases last at least 15 seconds.</summary>
    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(15);

    protected override async Task<IObjectStore> CreateStoreAsync() => await BlobTestStores.NewStoreAsync();
}
