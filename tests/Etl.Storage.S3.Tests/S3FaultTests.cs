using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Etl.Storage.Configuration;
using Etl.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Storage.S3.Tests;

/// <summary>Faults injected by the proxy in front of a real s3rver: throttling, a connection lost mid-upload, bad credentials.</summary>
public sealed class S3FaultTests : IAsyncLifetime
{
    private IAmazonS3? _direct;
    private S3ConditionalProxy? _proxy;
    private string _bucket = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _direct = S3TestStores.DirectClient();
        _proxy = await S3ConditionalProxy.StartAsync(TestServices.S3Endpoint, _direct);
        _bucket = await S3TestStores.NewBucketAsync(_direct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        _direct?.Dispose();
    }

    [Fact]
    public async Task Put_ThrottledTwice_RetriedAndSucceeds()
    {
        using var store = new S3ObjectStore(_bucket, "", S3TestStores.Options(_proxy!.Endpoint));
        _proxy.FailNext(2);

        await store.PutAsync("a.csv", Encoding.UTF8.GetBytes("x"), cancellationToken: Ct);

        _proxy.InjectedFailures.ShouldBe(2);
        (await store.GetInfoAsync("a.csv", Ct)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Put_ThrottledPastTheRetryBudget_TransientErrorNamingStoreKeyAndOperation()
    {
        using var store = new S3ObjectStore(_bucket, "lake", S3TestStores.Options(_proxy!.Endpoint, maxRetries: 1));
        _proxy.FailNext(10);

        var ex = await Should.ThrowAsync<StorageException>(() => store.PutAsync("landing/a.csv", new byte[] { 1 }, cancellationToken: Ct));

        ex.IsTransient.ShouldBeTrue();
        ex.Message.ShouldContain($"s3://{_bucket}/lake/landing/a.csv");
        ex.Message.ShouldContain("write");
        ex.Message.ShouldContain("503");
        _proxy.FailNext(0);
    }

    [Fact]
    public async Task MultipartWrite_ConnectionDroppedMidPart_RetriedAndWholeObjectPublished()
    {
        using var store = new S3ObjectStore(_bucket, "", S3TestStores.Options(_proxy!.Endpoint));
        var content = new byte[12 << 20];
        new Random(5).NextBytes(content);
        _proxy.DropNextPartUpload();

        await using (var write = await store.OpenWriteAsync("big.bin", cancellationToken: Ct))
        {
            await write.WriteAsync(content, Ct);
            (await store.GetInfoAsync("big.bin", Ct)).ShouldBeNull("nothing is visible before commit");
            await write.CommitAsync(Ct);
        }

        await using var read = await store.OpenReadAsync("big.bin", cancellationToken: Ct);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);
        copy.ToArray().ShouldBe(content);
    }

    [Fact]
    public async Task MultipartWrite_PartSizeGrows_StaysWithinPartLimitAndObjectIsWhole()
    {
        var options = S3TestStores.Options(_proxy!.Endpoint);
        options.PartSizeGrowthEvery = 2;
        using var store = new S3ObjectStore(_bucket, "", options);
        var content = new byte[36 << 20];
        new Random(7).NextBytes(content);

        await using (var write = await store.OpenWriteAsync("growing.bin", cancellationToken: Ct))
        {
            await write.WriteAsync(content, Ct);
            await write.CommitAsync(Ct);
        }

        // 5, 5, then 10, 10 MiB, then the last 6 MiB: doubling after every second part.
        _proxy.PartSizes.Order().ShouldBe(new long[] { 5 << 20, 5 << 20, 6 << 20, 10 << 20, 10 << 20 });
        await using var read = await store.OpenReadAsync("growing.bin", cancellationToken: Ct);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);
        copy.ToArray().ShouldBe(content);
    }

    [Fact]
    public async Task MultipartWrite_FailsForGood_NoObjectVisibleAndUploadAborted()
    {
        using var store = new S3ObjectStore(_bucket, "", S3TestStores.Options(_proxy!.Endpoint, maxRetries: 0));
        var content = new byte[11 << 20];

        await using (var write = await store.OpenWriteAsync("never.bin", cancellationToken: Ct))
        {
            await write.WriteAsync(content.AsMemory(0, 6 << 20), Ct);
            _proxy.FailNext(50);
            await Should.ThrowAsync<StorageException>(async () =>
            {
                await write.WriteAsync(content.AsMemory(6 << 20), Ct);
                await write.CommitAsync(Ct);
            });
            _proxy.FailNext(0);
        }

        (await store.GetInfoAsync("never.bin", Ct)).ShouldBeNull();
        _proxy.Aborts.ShouldBe(1, "the abandoned upload is aborted (s3rver cannot list multipart uploads, so the proxy counts the abort)");
    }

    [Fact]
    public async Task Write_BucketMissing_PermanentErrorSaysWhatToDoAndNoSecret()
    {
        var options = S3TestStores.Options(TestServices.S3Endpoint);
        using var store = new S3ObjectStore("no-such-bucket-" + Guid.NewGuid().ToString("N")[..8], "", options);

        var ex = await Should.ThrowAsync<StorageException>(() => store.PutAsync("a.csv", new byte[] { 1 }, cancellationToken: Ct));

        ex.IsTransient.ShouldBeFalse();
        ex.Message.ShouldContain("bucket does not exist");
        ex.Message.ShouldNotContain(options.SecretAccessKey!);
    }

    [Fact]
    public async Task S3rverAlone_IgnoresIfNoneMatch_WhichIsWhyTheProxyEnforcesIt()
    {
        var key = "plain.json";
        await _direct!.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = "1", UseChunkEncoding = false }, Ct);

        // s3rver accepts a second create-only write: conditional-write behaviour on S3 cannot be proven against it alone.
        await _direct.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = "2", IfNoneMatch = "*", UseChunkEncoding = false }, Ct);

        using var store = new S3ObjectStore(_bucket, "", S3TestStores.Options(_proxy!.Endpoint));
        await Should.ThrowAsync<PreconditionFailedException>(() => store.PutAsync(key, new byte[] { 3 }, WriteCondition.IfNotExists, Ct));
    }

    [Fact]
    public void UseS3Storage_S3Uri_StoreOnTheBucketAndPrefix()
    {
        var services = new ServiceCollection();
        new TestBuilder(services).UseLocalStorage().UseS3Storage(o => o.ServiceUrl = TestServices.S3Endpoint);
        using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IObjectStoreFactory>().Create("s3://my-bucket/lake/zone");

        var s3 = store.ShouldBeOfType<S3ObjectStore>();
        s3.Description.ShouldBe("s3://my-bucket/lake/zone");
        s3.Prefix.ShouldBe("lake/zone/");
        s3.Dispose();
    }

    private sealed class TestBuilder(IServiceCollection services) : IEtlBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
