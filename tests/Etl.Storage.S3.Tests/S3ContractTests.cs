using Amazon.S3;
using Etl.Testing;
using Etl.Testing.Storage;

namespace Etl.Storage.S3.Tests;

/// <summary>
/// The shared storage contract against the S3 adapter and a real s3rver. Requests pass through
/// <see cref="S3ConditionalProxy"/>, which enforces S3's conditional-write semantics that s3rver ignores, so the race and
/// lease tests exercise the adapter's use of If-None-Match and If-Match exactly as S3 would answer them.
/// </summary>
[Collection(nameof(AloneCollection))]
public sealed class S3ContractTests : ObjectStoreContractTests, IAsyncLifetime
{
    private readonly List<S3ObjectStore> _stores = [];
    private IAmazonS3? _direct;
    private S3ConditionalProxy? _proxy;

    public async ValueTask InitializeAsync()
    {
        _direct = S3TestStores.DirectClient();
        _proxy = await S3ConditionalProxy.StartAsync(TestServices.S3Endpoint, _direct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        _direct?.Dispose();
    }

    protected override async Task<IObjectStore> CreateStoreAsync()
    {
        var bucket = await S3TestStores.NewBucketAsync(_direct!);
        var store = new S3ObjectStore(bucket, "lake/root", S3TestStores.Options(_proxy!.Endpoint));
        lock (_stores)
        {
            _stores.Add(store);
        }

        return store;
    }
}
