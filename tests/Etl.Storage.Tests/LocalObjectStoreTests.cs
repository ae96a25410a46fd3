using System.Text;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Storage.Tests;

public sealed class LocalObjectStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new("local-store");
    private readonly LocalObjectStore _store;

    public LocalObjectStoreTests() => _store = new LocalObjectStore(_dir.Path);

    [Fact]
    public async Task Write_NotCommitted_NothingVisible()
    {
        await using (var w = await _store.OpenWriteAsync("processed/a.parquet"))
        {
            await w.WriteAsync("partial"u8.ToArray());
        }

        (await _store.GetInfoAsync("processed/a.parquet")).ShouldBeNull();
        (await ListAsync("")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Put_ThenInfoAndRead_ETagIsContentHash()
    {
        var etag = await _store.PutAsync("landing/x.csv", "a,b\n1,2\n"u8.ToArray());
        File.WriteAllText(_dir.Combine("landing", "y.csv"), "a,b\n1,2\n");

        var x = await _store.GetInfoAsync("landing/x.csv");
        var y = await _store.GetInfoAsync("landing/y.csv");
        x!.ETag.ShouldBe(etag);
        y!.ETag.ShouldBe(etag, "same content, same ETag, also for files written outside the store");
        using var reader = new StreamReader(await _store.OpenReadAsync("landing/x.csv", new ByteRange(4, 3)));
        (await reader.ReadToEndAsync()).ShouldBe("1,2");
    }

    [Fact]
    public async Task List_Prefix_SortedAndExcludesTemp()
    {
        await _store.PutAsync("landing/b.csv", new byte[] { 1 });
        await _store.PutAsync("landing/a/c.csv", new byte[] { 2 });
        await _store.PutAsync("other/z.csv", new byte[] { 3 });
        await using var open = await _store.OpenWriteAsync("landing/pending.csv");

        (await ListAsync("landing/")).ShouldBe(["landing/a/c.csv", "landing/b.csv"]);
    }

    [Fact]
    public async Task CreateOnly_TwoWriters_ExactlyOneWins()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await _store.PutAsync("_meta/lock", Encoding.UTF8.GetBytes("writer " + i), WriteCondition.IfNotExists);
                return true;
            }
            catch (PreconditionFailedException)
            {
                return false;
            }
        }));

        results.Count(r => r).ShouldBe(1);
    }

    [Fact]
    public async Task IfMatch_StaleETag_Refused()
    {
        var first = await _store.PutAsync("_meta/state.json", "1"u8.ToArray());
        await _store.PutAsync("_meta/state.json", "2"u8.ToArray(), WriteCondition.IfMatch(first));

        await Should.ThrowAsync<PreconditionFailedException>(() => _store.PutAsync("_meta/state.json", "3"u8.ToArray(), WriteCondition.IfMatch(first)));
    }

    [Theory]
    [InlineData("../escape.csv")]
    [InlineData("/etc/passwd")]
    [InlineData("landing\\x.csv")]
    [InlineData("landing/\0x")]
    [InlineData("a//b")]
    [InlineData("C:/x")]
    public async Task AnyOperation_UnsafeKey_ClearError(string key)
    {
        var ex = await Should.ThrowAsync<InvalidObjectKeyException>(() => _store.PutAsync(key, new byte[] { 1 }));
        ex.Message.ShouldContain("Invalid object key");
    }

    [Fact]
    public async Task Lease_HeldThenExpired_TakenOver()
    {
        var first = await _store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromMilliseconds(200));
        first.ShouldNotBeNull();
        (await _store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromSeconds(30))).ShouldBeNull();

        await Task.Delay(400);
        var second = await _store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromSeconds(30));

        second.ShouldNotBeNull();
        await Should.ThrowAsync<LeaseLostException>(() => first.RenewAsync());
        await second.ReleaseAsync();
        (await _store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromSeconds(30))).ShouldNotBeNull();
    }

    public void Dispose() => _dir.Dispose();

    private async Task<List<string>> ListAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var o in _store.ListAsync(prefix))
        {
            keys.Add(o.Key);
        }

        return keys;
    }
}
