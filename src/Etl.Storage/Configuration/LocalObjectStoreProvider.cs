using Etl.Storage.Local;

namespace Etl.Storage.Configuration;

/// <summary>Serves local-folder lake URIs.</summary>
internal sealed class LocalObjectStoreProvider : IObjectStoreProvider
{
    public LakeKind Kind => LakeKind.Local;

    public IObjectStore Create(LakeLocation location) => new LocalObjectStore(location.Container);
}
