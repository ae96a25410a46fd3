using Etl.Storage.AzureBlob;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Etl;

/// <summary>Azure Blob registration on <see cref="IEtlBuilder"/>.</summary>
public static class EtlBuilderAzureBlobExtensions
{
    /// <summary>
    /// Lets lake URIs be <c>az://container/prefix</c>, <c>https://account.blob.core.windows.net/container/prefix[?sas]</c>
    /// or an Azurite URL; <paramref name="configure"/> sets the connection string, key, credential and block size.
    /// </summary>
    public static IEtlBuilder UseAzureBlobStorage(this IEtlBuilder builder, Action<AzureBlobStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new AzureBlobStorageOptions();
        configure?.Invoke(options);
        builder.Services.TryAddSingleton(options);
        builder.AddObjectStoreProvider<AzureBlobObjectStoreProvider>();
        return builder;
    }
}
