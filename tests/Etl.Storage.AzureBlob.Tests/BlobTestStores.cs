using Etl.Storage.Configuration;
using Etl.Testing;

namespace Etl.Storage.AzureBlob.Tests;

/// <summary>Containers and stores on the Azurite started by the test setup (eng/services.sh).</summary>
internal static class BlobTestStores
{
    private static int s_counter;

    /// <summary>A fresh container's store, created on Azurite.</summary>
    public static async Task<AzureBlobObjectStore> NewStoreAsync(string prefix = "lake/root", AzureBlobStorageOptions? options = null, string? endpoint = null)
    {
        var container = $"etl-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}-{Guid.NewGuid().ToString("N")[..6]}";
        var store = new AzureBlobObjectStore(LakeLocation.Parse($"{endpoint ?? TestServices.AzuriteBlobEndpoint}/{container}/{prefix}"), options ?? new AzureBlobStorageOptions { BlockSizeBytes = 4 << 20 });
        await store.CreateContainerIfNotExistsAsync();
        return store;
    }
}
