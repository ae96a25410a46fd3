using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Storage.Tests;

public sealed class LocalLeaseRaceTests : IDisposable
{
    private readonly TempDirectory _dir = new("local-lease");
    private readonly LocalObjectStore _store;

    public LocalLeaseRaceTests() => _store = new LocalObjectStore(_dir.Path);

    [Fact]
    public async Task TakeOver_ManyTakersOfExpiredLock_ExactlyOneWinsEveryRound()
    {
        for (var round = 0; round < 100; round++)
        {
            var key = $"_meta/run-{round}.lease";
            Directory.CreateDirectory(_dir.Combine("_meta"));
            await File.WriteAllTextAsync(_dir.Combine("_meta", $"run-{round}.lease"), "dead-holder\n0\n", TestContext.Current.CancellationToken);

            using var start = new ManualResetEventSlim();
            var takers = Enumerable.Range(0, 4)
                .Select(_ => Task.Run(async () =>
                {
                    start.Wait(TestContext.Current.CancellationToken);
                    return await _store.TryAcquireLeaseAsync(key, TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
                }))
                .ToArray();
            start.Set();
            var leases = await Task.WhenAll(takers);

            var winners = leases.Where(l => l is not null).ToArray();
            winners.Length.ShouldBe(1, $"round {round}");
            await winners[0]!.RenewAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Acquire_ManyRacersOnFreeKey_ExactlyOneWins()
    {
        using var start = new ManualResetEventSlim();
        var racers = Enumerable.Range(0, 8)
            .Select(_ => Task.Run(async () =>
            {
                start.Wait(TestContext.Current.CancellationToken);
                return await _store.TryAcquireLeaseAsync("_meta/free.lease", TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
            }))
            .ToArray();
        start.Set();

        (await Task.WhenAll(racers)).Count(l => l is not null).ShouldBe(1);
    }

    [Fact]
    public async Task Release_ThenAcquire_Succeeds()
    {
        var first = await _store.TryAcquireLeaseAsync("_meta/r.lease", TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        first.ShouldNotBeNull();
        await first.ReleaseAsync(TestContext.Current.CancellationToken);

        var second = await _store.TryAcquireLeaseAsync("_meta/r.lease", TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        second.ShouldNotBeNull();
        (await ListKeys()).ShouldBe(["_meta/r.lease"], "guard and temp files stay out of listings");
    }

    [Fact]
    public async Task IfMatch_ManyWritersOfSameVersion_ExactlyOneWinsEveryRound()
    {
        var ct = TestContext.Current.CancellationToken;
        var etag = await _store.PutAsync("state/watermark.json", "v0"u8.ToArray(), cancellationToken: ct);
        for (var round = 0; round < 50; round++)
        {
            using var start = new ManualResetEventSlim();
            var writers = Enumerable.Range(0, 4)
                .Select(i => Task.Run(async () =>
                {
                    start.Wait(ct);
                    try
                    {
                        return await _store.PutAsync("state/watermark.json", System.Text.Encoding.UTF8.GetBytes($"r{round}w{i}"), WriteCondition.IfMatch(etag), ct);
                    }
                    catch (PreconditionFailedException)
                    {
                        return null;
                    }
                }))
                .ToArray();
            start.Set();
            var results = await Task.WhenAll(writers);

            var winners = results.Where(r => r is not null).ToArray();
            winners.Length.ShouldBe(1, $"round {round}");
            etag = winners[0]!;
            (await _store.GetInfoAsync("state/watermark.json", ct))!.ETag.ShouldBe(etag);
        }
    }

    public void Dispose() => _dir.Dispose();

    private async Task<List<string>> ListKeys()
    {
        var keys = new List<string>();
        await foreach (var info in _store.ListAsync("", TestContext.Current.CancellationToken))
        {
            keys.Add(info.Key);
        }

        return keys;
    }
}
