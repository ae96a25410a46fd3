using Etl.Storage.Configuration;

namespace Etl.Storage.S3;

/// <summary>Serves <c>s3://bucket/prefix</c> lake URIs.</summary>
internal sealed class S3ObjectStoreProvider(S3StorageOptions options) : IObjectStoreProvider
{
    public LakeKind Kind => LakeKind.S3;

    public IObjectStore Create(LakeLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new S3ObjectStore(location.Container, location.Prefix, options);
    }
}
