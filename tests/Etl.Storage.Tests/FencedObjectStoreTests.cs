using System.Text;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Storage.Tests;

public sealed class FencedObjectStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new("fence");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Put_BeforeTake_IsRefused()
    {
        var fenced = new FencedObjectStore(new LocalObjectStore(_dir.Path));
        await Should.ThrowAsync<LakeFencedException>(() => fenced.PutAsync("a.txt", "x"u8.ToArray(), cancellationToken: Ct));
    }

    [Fact]
    public async Task Changes_AfterAnotherHostTakesTheLake_AreRefusedAndTheLakeIsUnchanged()
    {
        var lake = new LocalObjectStore(_dir.Path);
        var first = new FencedObjectStore(lake);
        var second = new FencedObjectStore(lake);
        (await first.TakeAsync("first", Ct)).ShouldBe(1);
        await first.PutAsync("a.txt", "first"u8.ToArray(), cancellationToken: Ct);
        var pending = await first.OpenWriteAsync("b.txt", cancellationToken: Ct);

        (await second.TakeAsync("second", Ct)).ShouldBe(2);

        await Should.ThrowAsync<LakeFencedException>(() => first.PutAsync("a.txt", "stale"u8.ToArray(), cancellationToken: Ct));
        await Should.ThrowAsync<LakeFencedException>(() => first.DeleteAsync("a.txt", Ct));
        await Should.ThrowAsync<LakeFencedException>(() => first.CopyAsync("a.txt", "c.txt", Ct));
        await pending.WriteAsync("late"u8.ToArray(), Ct);
        var ex = await Should.ThrowAsync<LakeFencedException>(() => pending.CommitAsync(Ct));
        ex.Message.ShouldContain("lost the lake");
        await pending.DisposeAsync();

        (await lake.GetInfoAsync("b.txt", Ct)).ShouldBeNull();
        (await lake.GetInfoAsync("c.txt", Ct)).ShouldBeNull();
        await second.PutAsync("a.txt", "second"u8.ToArray(), cancellationToken: Ct);
        await using var read = await lake.OpenReadAsync("a.txt", cancellationToken: Ct);
        (await new StreamReader(read, Encoding.UTF8).ReadToEndAsync(Ct)).ShouldBe("second");
    }

    [Fact]
    public async Task Changes_AfterTheFenceObjectIsDeleted_AreRefused()
    {
        var lake = new LocalObjectStore(_dir.Path);
        var fenced = new FencedObjectStore(lake);
        await fenced.TakeAsync("only", Ct);
        await lake.DeleteAsync(FencedObjectStore.FenceKey, Ct);

        var ex = await Should.ThrowAsync<LakeFencedException>(() => fenced.PutAsync("a.txt", "x"u8.ToArray(), cancellationToken: Ct));
        ex.Message.ShouldContain("deleted");

        // A host that takes the lake afresh starts a new token; the old holder stays fenced out.
        var next = new FencedObjectStore(lake);
        (await next.TakeAsync("next", Ct)).ShouldBe(1);
        await next.PutAsync("a.txt", "x"u8.ToArray(), cancellationToken: Ct);
        await Should.ThrowAsync<LakeFencedException>(() => fenced.PutAsync("a.txt", "y"u8.ToArray(), cancellationToken: Ct));
    }

    [Fact]
    public async Task Lease_HeldByADeadProcessOnThisHost_IsTakenAtOnce()
    {
        var lake = new LocalObjectStore(_dir.Path);
        var path = Path.Combine(_dir.Path, "_meta", "locks", "x.lease");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        // A live-looking lock (expires in an hour) of a process that no longer exists: pid 2^22 is past Linux's pid_max.
        var expires = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await File.WriteAllTextAsync(path, $"deadbeef\n{expires}\n{Environment.MachineName}\n4194304\n638000000000000000\n", Ct);
        (await lake.TryAcquireLeaseAsync("_meta/locks/x.lease", TimeSpan.FromSeconds(30), Ct)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Lease_HeldByALiveProcess_IsNotTaken()
    {
        var lake = new LocalObjectStore(_dir.Path);
        await using var held = await lake.TryAcquireLeaseAsync("_meta/locks/x.lease", TimeSpan.FromSeconds(30), Ct);
        held.ShouldNotBeNull();
        (await lake.TryAcquireLeaseAsync("_meta/locks/x.lease", TimeSpan.FromSeconds(30), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Sweep_RemovesAbandonedTempFilesButNotGuards()
    {
        var lake = new LocalObjectStore(_dir.Path);

        // What a write killed mid-way leaves: a temp file; and the guard files a lease takeover uses.
        await using (await lake.TryAcquireLeaseAsync("_meta/locks/y.lease", TimeSpan.FromSeconds(30), Ct))
        {
        }

        var leftover = Path.Combine(_dir.Path, ".etl-tmp", "0123456789abcdef0123456789abcdef");
        await File.WriteAllBytesAsync(leftover, new byte[100], Ct);
        File.SetLastWriteTimeUtc(leftover, DateTime.UtcNow.AddMinutes(-1));

        Directory.GetFiles(Path.Combine(_dir.Path, ".etl-tmp")).ShouldNotBeEmpty();
        var removed = await lake.SweepAbandonedWritesAsync(DateTimeOffset.UtcNow.AddSeconds(1), Ct);
        removed.ShouldBeGreaterThan(0);
        Directory.GetFiles(Path.Combine(_dir.Path, ".etl-tmp")).ShouldBeEmpty();
        Directory.Exists(Path.Combine(_dir.Path, ".etl-tmp", "locks")).ShouldBeTrue();
    }

    public void Dispose() => _dir.Dispose();
}
