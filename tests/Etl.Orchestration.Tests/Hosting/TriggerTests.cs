using System.Net.Http.Json;
using System.Text.Json;
using Etl.Orchestration.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Etl.Orchestration.Tests.Hosting;

/// <summary>The schedule and the new-file sensor of the local host, on real time with short intervals.</summary>
public sealed class TriggerTests : IAsyncLifetime
{
    private const string Base = "/runtime/webhooks/durabletask";
    private readonly HostHarness _host = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Theory]
    [InlineData("0 0 0 * * *", "2026-12-02T05:00:00Z", "2026-12-03T00:00:00Z")]
    [InlineData("0 0 2 * * *", "2026-12-02T01:59:59Z", "2026-12-02T02:00:00Z")]
    [InlineData("30 */5 * * * *", "2026-12-02T05:00:31Z", "2026-12-02T05:05:30Z")]
    [InlineData("0 0 0 1 * *", "2026-12-31T23:00:00Z", "2027-01-01T00:00:00Z")]
    public void NextAfter_SixFieldSchedule_SecondsFirstInUtc(string schedule, string now, string expected)
    {
        var trigger = new ScheduleTrigger(null!, schedule, TimeProvider.System, NullLogger<ScheduleTrigger>.Instance);

        trigger.NextAfter(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Sensor_StartsARunOnlyWhenFilesAreNew()
    {
        var activities = new FakePipelineActivities(0);
        _host.Options.SensorInterval = TimeSpan.FromMilliseconds(100);
        await _host.StartAsync(activities);

        await Task.Delay(600, Ct);
        var before = await InstancesAsync();
        activities.Land(Files.Item(1));
        activities.Land(Files.Item(2));
        var first = await WaitForAsync(list => list.Any(i => i.GetProperty("runtimeStatus").GetString() == "Completed"));
        await Task.Delay(600, Ct);
        var after = await InstancesAsync();

        before.ShouldBeEmpty("nothing landed, so the sensor starts nothing");
        first.Length.ShouldBe(1);
        first[0].GetProperty("input").GetProperty("trigger").GetString().ShouldBe("sensor");
        after.Length.ShouldBe(1, "the files are committed; polling again starts nothing");
        activities.ProcessCalls.Values.ShouldAllBe(n => n == 1);
        activities.ProcessCalls.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Schedule_EverySecond_StartsTheRun()
    {
        var activities = new FakePipelineActivities(2);
        _host.Options.Schedule = "* * * * * *";
        await _host.StartAsync(activities);

        var runs = await WaitForAsync(list => list.Any(i => i.GetProperty("runtimeStatus").GetString() == "Completed"));

        runs[0].GetProperty("input").GetProperty("trigger").GetString().ShouldBe("schedule");
        activities.ProcessCalls.Count.ShouldBe(2);
    }

    private async Task<JsonElement[]> InstancesAsync() =>
        (await _host.Client.GetFromJsonAsync<JsonElement[]>($"{Base}/instances?showInput=true", Ct))!;

    private async Task<JsonElement[]> WaitForAsync(Func<JsonElement[], bool> done)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var list = await InstancesAsync();
            if (done(list))
            {
                return list;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
