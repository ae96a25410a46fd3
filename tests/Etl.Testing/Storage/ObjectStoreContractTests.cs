using System.Security.Cryptography;
using System.Text;
using Etl.Storage;
using Shouldly;
using Xunit;

namespace Etl.Testing.Storage;

/// <summary>
/// The storage contract every adapter must honour, run against each real backend (local disk, Azurite, s3rver).
/// An adapter's test project derives one sealed class from this and supplies <see cref="CreateStoreAsync"/>.
/// </summary>
public abstract class ObjectStoreContractTests
{
    /// <summary>A store rooted at a fresh, empty prefix (or bucket/container) unique to the calling test.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    /// <summary>Bytes streamed up and down by the large-object test (1 GiB by default).</summary>
    protected virtual long LargeObjectBytes => 1L << 30;

    /// <summary>The shortest lease the backend accepts, used by the expiry test (Blob leases: 15 s at least).</summary>
    protected virtual TimeSpan ShortLease => TimeSpan.FromSeconds(2);

    /// <summary>The managed heap may grow by at most this much while the large object streams through.</summary>
    protected virtual long MaxHeapGrowthBytes => 128L << 20;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Put_ThenReadAndInfo_SameBytesSizeAndETag()
    {
        var store = await CreateStoreAsync();
        var content = Encoding.UTF8.GetBytes("id,amount\n1,2.50\n");

        var etag = await store.PutAsync("landing/a.csv", content, cancellationToken: Ct);

        etag.ShouldNotBeNullOrWhiteSpace();
        etag.ShouldNotStartWith("\"");
        (await ReadAllAsync(store, "landing/a.csv")).ShouldBe(content);
        var info = await store.GetInfoAsync("landing/a.csv", Ct);
        info.ShouldNotBeNull();
        info.Key.ShouldBe("landing/a.csv");
        info.Size.ShouldBe(content.Length);
        info.ETag.ShouldBe(etag);
        info.LastModified.ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(-1));
    }

    [Fact]
    public async Task Put_NewContent_ETagChanges()
    {
        var store = await CreateStoreAsync();
        var first = await store.PutAsync("x.bin", new byte[] { 1, 2, 3 }, cancellationToken: Ct);

        var second = await store.PutAsync("x.bin", new byte[] { 4, 5, 6 }, cancellationToken: Ct);

        second.ShouldNotBe(first);
        (await store.GetInfoAsync("x.bin", Ct))!.ETag.ShouldBe(second);
    }

    [Fact]
    public async Task GetInfo_Missing_Null()
    {
        var store = await CreateStoreAsync();

        (await store.GetInfoAsync("nothing/here.csv", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task OpenRead_Missing_ObjectNotFoundNamingKey()
    {
        var store = await CreateStoreAsync();

        var ex = await Should.ThrowAsync<ObjectNotFoundException>(() => store.OpenReadAsync("nothing/here.csv", cancellationToken: Ct));

        ex.Key.ShouldBe("nothing/here.csv");
        ex.Message.ShouldContain("nothing/here.csv");
    }

    [Fact]
    public async Task OpenRead_Ranges_ExactBytes()
    {
        var store = await CreateStoreAsync();
        var content = Pattern(10_000, seed: 7);
        await store.PutAsync("r.bin", content, cancellationToken: Ct);

        (await ReadAllAsync(store, "r.bin", new ByteRange(0, 10))).ShouldBe(content[..10]);
        (await ReadAllAsync(store, "r.bin", new ByteRange(4_096, 1_000))).ShouldBe(content[4_096..5_096]);
        (await ReadAllAsync(store, "r.bin", new ByteRange(9_990))).ShouldBe(content[9_990..]);
    }

    [Fact]
    public async Task List_Prefix_KeyOrderRelativeKeysOnlyUnderPrefix()
    {
        var store = await CreateStoreAsync();
        foreach (var key in new[] { "landing/b/2.csv", "landing/a/1.csv", "landing/a/0.csv", "landings/x.csv", "processed/p.parquet" })
        {
            await store.PutAsync(key, Encoding.UTF8.GetBytes(key), cancellationToken: Ct);
        }

        var listed = await ListAsync(store, "landing/");

        listed.Select(o => o.Key).ShouldBe(["landing/a/0.csv", "landing/a/1.csv", "landing/b/2.csv"]);
        listed.ShouldAllBe(o => o.Size == o.Key.Length && o.ETag.Length > 0);
        (await ListAsync(store, "")).Count.ShouldBe(5);
        (await ListAsync(store, "empty/")).ShouldBeEmpty();
    }

    [Fact]
    public async Task List_MoreThanOnePage_EveryKeyOnceInOrder()
    {
        var store = await CreateStoreAsync();
        const int count = 1_205;
        var keys = Enumerable.Range(0, count).Select(i => $"many/{i:D5}.csv").ToArray();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct }, async (key, ct) =>
            await store.PutAsync(key, Encoding.UTF8.GetBytes(key), cancellationToken: ct));

        var listed = await ListAsync(store, "many/");

        listed.Select(o => o.Key).ShouldBe(keys);
    }

    [Fact]
    public async Task OpenWrite_BeforeCommit_NothingVisible_AfterCommit_Visible()
    {
        var store = await CreateStoreAsync();
        var content = Pattern(100_000, seed: 3);

        await using (var write = await store.OpenWriteAsync("out/a.parquet", cancellationToken: Ct))
        {
            await write.WriteAsync(content, Ct);
            (await store.GetInfoAsync("out/a.parquet", Ct)).ShouldBeNull();
            (await ListAsync(store, "out/")).ShouldBeEmpty();
            var etag = await write.CommitAsync(Ct);
            (await store.GetInfoAsync("out/a.parquet", Ct))!.ETag.ShouldBe(etag);
        }

        (await ReadAllAsync(store, "out/a.parquet")).ShouldBe(content);
    }

    [Fact]
    public async Task OpenWrite_DisposedWithoutCommit_NothingVisibleAndOldContentKept()
    {
        var store = await CreateStoreAsync();
        await store.PutAsync("out/kept.bin", new byte[] { 9 }, cancellationToken: Ct);

        await using (var write = await store.OpenWriteAsync("out/kept.bin", cancellationToken: Ct))
        {
            await write.WriteAsync(Pattern(50_000, seed: 1), Ct);
        }

        await using (var write = await store.OpenWriteAsync("out/never.bin", cancellationToken: Ct))
        {
            await write.WriteAsync(Pattern(50_000, seed: 2), Ct);
        }

        (await ReadAllAsync(store, "out/kept.bin")).ShouldBe(new byte[] { 9 });
        (await ListAsync(store, "out/")).Select(o => o.Key).ShouldBe(["out/kept.bin"]);
    }

    [Fact]
    public async Task OpenWrite_Empty_ZeroByteObject()
    {
        var store = await CreateStoreAsync();

        await using (var write = await store.OpenWriteAsync("empty.bin", cancellationToken: Ct))
        {
            await write.CommitAsync(Ct);
        }

        (await store.GetInfoAsync("empty.bin", Ct))!.Size.ShouldBe(0);
        (await ReadAllAsync(store, "empty.bin")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Put_IfNotExists_ExistingObject_PreconditionFailed()
    {
        var store = await CreateStoreAsync();
        await store.PutAsync("once.json", new byte[] { 1 }, WriteCondition.IfNotExists, Ct);

        await Should.ThrowAsync<PreconditionFailedException>(() => store.PutAsync("once.json", new byte[] { 2 }, WriteCondition.IfNotExists, Ct));

        (await ReadAllAsync(store, "once.json")).ShouldBe(new byte[] { 1 });
    }

    [Fact]
    public async Task OpenWrite_IfNotExists_ExistingObject_PreconditionFailedAtCommit()
    {
        var store = await CreateStoreAsync();
        await store.PutAsync("once.bin", new byte[] { 1 }, cancellationToken: Ct);

        await using var write = await store.OpenWriteAsync("once.bin", WriteCondition.IfNotExists, Ct);
        await write.WriteAsync(Pattern(10_000, seed: 5), Ct);
        await Should.ThrowAsync<PreconditionFailedException>(() => write.CommitAsync(Ct));

        (await ReadAllAsync(store, "once.bin")).ShouldBe(new byte[] { 1 });
    }

    [Fact]
    public async Task Put_IfNotExists_ManyRacers_ExactlyOneWins()
    {
        var store = await CreateStoreAsync();
        for (var round = 0; round < 5; round++)
        {
            var key = $"race/{round}.json";
            var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
            {
                try
                {
                    await store.PutAsync(key, new[] { (byte)i }, WriteCondition.IfNotExists, Ct);
                    return (byte?)i;
                }
                catch (PreconditionFailedException)
                {
                    return null;
                }
            }));

            var winners = outcomes.Where(o => o is not null).ToList();
            winners.Count.ShouldBe(1, $"round {round}");
            (await ReadAllAsync(store, key)).ShouldBe(new[] { winners[0]!.Value });
        }
    }

    [Fact]
    public async Task Put_IfMatch_CurrentETag_Replaces_StaleETag_Refused()
    {
        var store = await CreateStoreAsync();
        var v1 = await store.PutAsync("state.json", new byte[] { 1 }, cancellationToken: Ct);
        var v2 = await store.PutAsync("state.json", new byte[] { 2 }, WriteCondition.IfMatch(v1), Ct);

        await Should.ThrowAsync<PreconditionFailedException>(() => store.PutAsync("state.json", new byte[] { 3 }, WriteCondition.IfMatch(v1), Ct));
        await Should.ThrowAsync<PreconditionFailedException>(() => store.PutAsync("absent.json", new byte[] { 3 }, WriteCondition.IfMatch(v1), Ct));

        (await ReadAllAsync(store, "state.json")).ShouldBe(new byte[] { 2 });
        (await store.GetInfoAsync("state.json", Ct))!.ETag.ShouldBe(v2);
    }

    [Fact]
    public async Task Put_IfMatch_ManyWritersOfSameVersion_ExactlyOneWins()
    {
        var store = await CreateStoreAsync();
        var etag = await store.PutAsync("manifest.json", new byte[] { 0 }, cancellationToken: Ct);
        for (var round = 0; round < 5; round++)
        {
            var current = etag;
            var outcomes = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
            {
                try
                {
                    return await store.PutAsync("manifest.json", new[] { (byte)(round * 10 + i) }, WriteCondition.IfMatch(current), Ct);
                }
                catch (PreconditionFailedException)
                {
                    return null;
                }
            }));

            var winners = outcomes.Where(o => o is not null).ToList();
            winners.Count.ShouldBe(1, $"round {round}");
            etag = winners[0]!;
            (await store.GetInfoAsync("manifest.json", Ct))!.ETag.ShouldBe(etag);
        }
    }

    [Fact]
    public async Task Delete_ExistingThenMissing_TrueThenFalse()
    {
        var store = await CreateStoreAsync();
        await store.PutAsync("d.csv", new byte[] { 1 }, cancellationToken: Ct);

        (await store.DeleteAsync("d.csv", Ct)).ShouldBeTrue();
        (await store.GetInfoAsync("d.csv", Ct)).ShouldBeNull();
        (await store.DeleteAsync("d.csv", Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task Copy_ToArchive_SameBytesSourceKept()
    {
        var store = await CreateStoreAsync();
        var content = Pattern(300_000, seed: 11);
        await store.PutAsync("landing/f.csv", content, cancellationToken: Ct);

        await store.CopyAsync("landing/f.csv", "archive/2024/f.csv", Ct);

        (await ReadAllAsync(store, "archive/2024/f.csv")).ShouldBe(content);
        (await ReadAllAsync(store, "landing/f.csv")).ShouldBe(content);
        await Should.ThrowAsync<ObjectNotFoundException>(() => store.CopyAsync("landing/none.csv", "archive/none.csv", Ct));
    }

    [Theory]
    [InlineData("../escape.csv")]
    [InlineData("a/../../escape.csv")]
    [InlineData("/etc/passwd")]
    [InlineData("landing\\x.csv")]
    [InlineData("landing/\0x")]
    [InlineData("a//b")]
    [InlineData("")]
    public async Task EveryOperation_UnsafeKey_InvalidObjectKey(string key)
    {
        var store = await CreateStoreAsync();

        await Should.ThrowAsync<InvalidObjectKeyException>(() => store.PutAsync(key, new byte[] { 1 }, cancellationToken: Ct));
        await Should.ThrowAsync<InvalidObjectKeyException>(() => store.OpenReadAsync(key, cancellationToken: Ct));
        await Should.ThrowAsync<InvalidObjectKeyException>(() => store.GetInfoAsync(key, Ct));
        await Should.ThrowAsync<InvalidObjectKeyException>(() => store.DeleteAsync(key, Ct));
        await Should.ThrowAsync<InvalidObjectKeyException>(() => store.OpenWriteAsync(key, cancellationToken: Ct));
        await Should.ThrowAsync<InvalidObjectKeyException>(() => store.CopyAsync("ok.csv", key, Ct));
        await Should.ThrowAsync<InvalidObjectKeyException>(() => store.TryAcquireLeaseAsync(key, TimeSpan.FromSeconds(30), Ct));
    }

    [Fact]
    public async Task Lease_Held_SecondRefused_ReleasedThenAcquired()
    {
        var store = await CreateStoreAsync();

        var first = await store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromSeconds(30), Ct);
        first.ShouldNotBeNull();
        first.Key.ShouldBe("_meta/run.lease");
        (await store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromSeconds(30), Ct)).ShouldBeNull();
        await first.RenewAsync(Ct);
        (await store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromSeconds(30), Ct)).ShouldBeNull();

        await first.ReleaseAsync(Ct);
        var second = await store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromSeconds(30), Ct);

        second.ShouldNotBeNull();
        second.LeaseId.ShouldNotBe(first.LeaseId);
        await second.DisposeAsync();
    }

    [Fact]
    public async Task Lease_Expired_TakenOverAndOldHolderLosesIt()
    {
        var store = await CreateStoreAsync();
        var first = await store.TryAcquireLeaseAsync("_meta/run.lease", ShortLease, Ct);
        first.ShouldNotBeNull();

        IObjectLease? second = null;
        var deadline = DateTimeOffset.UtcNow + ShortLease + TimeSpan.FromSeconds(30);
        while (second is null && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), Ct);
            second = await store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromSeconds(30), Ct);
        }

        second.ShouldNotBeNull("the expired lease was never taken over");
        await Should.ThrowAsync<LeaseLostException>(() => first.RenewAsync(Ct));
        (await store.TryAcquireLeaseAsync("_meta/run.lease", TimeSpan.FromSeconds(30), Ct)).ShouldBeNull();
        await second.ReleaseAsync(Ct);
    }

    [Fact]
    public async Task Lease_ManyRacersOnFreeKey_ExactlyOneWins()
    {
        var store = await CreateStoreAsync();

        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.TryAcquireLeaseAsync("_meta/race.lease", TimeSpan.FromSeconds(30), Ct)));

        leases.Count(l => l is not null).ShouldBe(1);
        await leases.Single(l => l is not null)!.ReleaseAsync(Ct);
    }

    [Fact]
    public async Task LargeObject_StreamedUpAndDown_SameBytesBoundedHeap()
    {
        var store = await CreateStoreAsync();
        var size = LargeObjectBytes;
        var chunk = new byte[1 << 20];
        var rng = new XorShift(42);
        var heap = new HeapWatch();

        byte[] sentHash;
        await using (var write = await store.OpenWriteAsync("big/object.bin", cancellationToken: Ct))
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            for (long sent = 0; sent < size; sent += chunk.Length)
            {
                var n = (int)Math.Min(chunk.Length, size - sent);
                rng.Fill(chunk.AsSpan(0, n));
                hash.AppendData(chunk, 0, n);
                await write.WriteAsync(chunk.AsMemory(0, n), Ct);
                if (((sent + n) & ((64 << 20) - 1)) < n)
                {
                    heap.Sample();
                }
            }

            await write.CommitAsync(Ct);
            sentHash = hash.GetHashAndReset();
        }

        (await store.GetInfoAsync("big/object.bin", Ct))!.Size.ShouldBe(size);

        byte[] readHash;
        long received = 0;
        await using (var read = await store.OpenReadAsync("big/object.bin", cancellationToken: Ct))
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            int n;
            while ((n = await read.ReadAsync(chunk, Ct)) > 0)
            {
                hash.AppendData(chunk, 0, n);
                received += n;
                if ((received & ((64 << 20) - 1)) < n)
                {
                    heap.Sample();
                }
            }

            readHash = hash.GetHashAndReset();
        }

        received.ShouldBe(size);
        readHash.ShouldBe(sentHash);
        heap.Growth.ShouldBeLessThan(MaxHeapGrowthBytes, $"the managed heap grew by {heap.Growth / (1 << 20)} MiB while streaming {size / (1 << 20)} MiB");
        await store.DeleteAsync("big/object.bin", Ct);
    }

    /// <summary>Reads a whole object (or a range of it) into memory.</summary>
    protected static async Task<byte[]> ReadAllAsync(IObjectStore store, string key, ByteRange? range = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var stream = await store.OpenReadAsync(key, range, Ct);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }

    /// <summary>Lists a prefix into a list.</summary>
    protected static async Task<List<ObjectInfo>> ListAsync(IObjectStore store, string prefix)
    {
        ArgumentNullException.ThrowIfNull(store);
        var result = new List<ObjectInfo>();
        await foreach (var info in store.ListAsync(prefix, Ct))
        {
            result.Add(info);
        }

        return result;
    }

    /// <summary>Deterministic pseudo-random bytes.</summary>
    protected static byte[] Pattern(int length, ulong seed)
    {
        var bytes = new byte[length];
        new XorShift(seed).Fill(bytes);
        return bytes;
    }

    /// <summary>
    /// The live managed heap (after a full collection) at sample points, against where it started: what a stream keeps
    /// (its buffers, pooled or not), not garbage that the GC has not yet collected, which depends on the machine's GC budgets.
    /// </summary>
    private sealed class HeapWatch
    {
        private readonly long _start = GC.GetTotalMemory(forceFullCollection: true);
        private long _max;

        public long Growth => Math.Max(0, _max - _start);

        public void Sample() => _max = Math.Max(_max, GC.GetTotalMemory(forceFullCollection: true));
    }

    private struct XorShift(ulong seed)
    {
        private ulong _state = seed * 0x9E3779B97F4A7C15UL + 1;

        public void Fill(Span<byte> target)
        {
            while (target.Length >= 8)
            {
                BitConverter.TryWriteBytes(target, Next());
                target = target[8..];
            }

            if (target.Length > 0)
            {
                Span<byte> last = stackalloc byte[8];
                BitConverter.TryWriteBytes(last, Next());
                last[..target.Length].CopyTo(target);
            }
        }

        private ulong Next()
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            return _state;
        }
    }
}
