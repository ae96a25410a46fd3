using Etl.Storage.S3;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Etl;

/// <summary>S3 registration on <see cref="IEtlBuilder"/>.</summary>
public static class EtlBuilderS3Extensions
{
    /// <summary>Lets lake URIs be <c>s3://bucket/prefix</c>; <paramref name="configure"/> sets the endpoint, region, credentials and part size.</summary>
    public static IEtlBuilder UseS3Storage(this IEtlBuilder builder, Action<S3StorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new S3StorageOptions();
        configure?.Invoke(options);
        builder.Services.TryAddSingleton(options);
        builder.AddObjectStoreProvider<S3ObjectStoreProvider>();
        return builder;
    }
}
