using Etl.Storage.Local;
using Etl.Testing;
using Etl.Testing.Storage;

namespace Etl.Storage.Tests;

/// <summary>The shared storage contract against the local-disk adapter.</summary>
[Collection(nameof(AloneCollection))]
public sealed class LocalContractTests : ObjectStoreContractTests, IDisposable
{
    private readonly List<TempDirectory> _dirs = [];

    protected override Task<IObjectStore> CreateStoreAsync()
    {
        var dir = new TempDirectory();
        lock (_dirs)
        {
            _dirs.Add(dir);
        }

        return Task.FromResult<IObjectStore>(new LocalObjectStore(dir.Path));
    }

    public void Dispose()
    {
        foreach (var dir in _dirs)
        {
            dir.Dispose();
        }
    }
}
