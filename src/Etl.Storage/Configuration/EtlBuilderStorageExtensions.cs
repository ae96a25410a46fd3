using Etl.Storage.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Etl;

/// <summary>Storage registration on <see cref="IEtlBuilder"/>.</summary>
public static class EtlBuilderStorageExtensions
{
    /// <summary>Registers the local-disk adapter (lake URIs that are paths or <c>file://</c>) and the <see cref="IObjectStoreFactory"/>.</summary>
    public static IEtlBuilder UseLocalStorage(this IEtlBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddObjectStoreProvider<LocalObjectStoreProvider>();
        return builder;
    }

    /// <summary>
    /// Registers an adapter's provider (used by <c>UseS3Storage</c> / <c>UseAzureBlobStorage</c>) and the
    /// <see cref="IObjectStoreFactory"/>. Registering the same provider type twice has no effect.
    /// </summary>
    public static IEtlBuilder AddObjectStoreProvider<TProvider>(this IEtlBuilder builder)
        where TProvider : class, IObjectStoreProvider
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IObjectStoreProvider, TProvider>());
        builder.Services.TryAddSingleton<IObjectStoreFactory, ObjectStoreFactory>();
        return builder;
    }
}
