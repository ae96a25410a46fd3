namespace Etl.Storage.Configuration;

/// <summary>Picks the registered provider for a lake URI's kind.</summary>
internal sealed class ObjectStoreFactory(IEnumerable<IObjectStoreProvider> providers) : IObjectStoreFactory
{
    private readonly IObjectStoreProvider[] _providers = [.. providers];

    public IObjectStore Create(string lakeUri)
    {
        var location = LakeLocation.Parse(lakeUri);
        foreach (var provider in _providers)
        {
            if (provider.Kind == location.Kind)
            {
                return provider.Create(location);
            }
        }

        var (adapter, call) = location.Kind switch
        {
            LakeKind.S3 => ("S3 storage adapter (Etl.Storage.S3)", "builder.UseS3Storage()"),
            LakeKind.AzureBlob => ("Azure Blob storage adapter (Etl.Storage.AzureBlob)", "builder.UseAzureBlobStorage()"),
            _ => ("local storage adapter (Etl.Storage)", "builder.UseLocalStorage()"),
        };
        throw new StorageException(
            $"The lake '{location.Description}' needs the {adapter}, which is not registered. Call {call} on the builder returned by services.AddEtl().");
    }
}
