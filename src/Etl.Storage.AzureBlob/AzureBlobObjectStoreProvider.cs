using Etl.Storage.Configuration;

namespace Etl.Storage.AzureBlob;

/// <summary>Serves <c>az://container/prefix</c>, account URLs and Azurite URLs.</summary>
internal sealed class AzureBlobObjectStoreProvider(AzureBlobStorageOptions options) : IObjectStoreProvider
{
    public LakeKind Kind => LakeKind.AzureBlob;

    public IObjectStore Create(LakeLocation location) => new AzureBlobObjectStore(location, options);
}
