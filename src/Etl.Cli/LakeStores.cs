using Etl.Storage;
using Etl.Storage.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Cli;

/// <summary>
/// Opens the store a lake URI names, with every adapter registered: a folder, <c>s3://bucket/prefix</c>,
/// <c>az://container/prefix</c>, an account or Azurite URL. Settings come from the environment
/// (AWS_* for S3, AZURE_STORAGE_* for Blob: see docs/storage.md).
/// </summary>
internal static class LakeStores
{
    private static readonly Lazy<ServiceProvider> s_services = new(() =>
    {
        var services = new ServiceCollection();
        services.AddEtl().UseLocalStorage().UseS3Storage().UseAzureBlobStorage();
        return services.BuildServiceProvider();
    });

    /// <summary>The store for <paramref name="lake"/>; throws <see cref="StorageException"/> naming a bad URI.</summary>
    public static IObjectStore Open(string lake) => s_services.Value.GetRequiredService<IObjectStoreFactory>().Create(lake);

    /// <summary>A <c>--lake</c> value: URIs as given, folders made absolute against the working directory.</summary>
    public static string Resolve(string lake) => lake.Contains("://", StringComparison.Ordinal) ? lake : Path.GetFullPath(lake);
}
