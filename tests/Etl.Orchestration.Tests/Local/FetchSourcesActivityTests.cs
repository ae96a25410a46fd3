using System.Text.Json;
using Etl.Core.Runs;
using Etl.Orchestration.Local;

namespace Etl.Orchestration.Tests.Local;

/// <summary>
/// The FetchSources activity in the orchestration, on the local durable runtime with the fake activities: first, before
/// Discover, only when the run's input says the definition declares sources; retried when transient; its result
/// recorded in the run's output and history (so a resumed run does not fetch again).
/// </summary>
public sealed class FetchSourcesActivityTests : IAsyncLifetime
{
    private static readonly SourceResult s_fetched = new("sales", "url", SourceOutcome.Fetched, ["landing/sales/f009.csv"], 0, 16, null, "Source sales: fetched 16 bytes -> landing/sales/f009.csv");
    private readonly RuntimeHarness _harness = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Run_SourcesDeclared_FetchSourcesRunsFirstAndWhatItLandsIsProcessed()
    {
        var activities = new FakePipelineActivities(1);
        activities.Fetch = (_, _) =>
        {
            activities.Land(Files.Item(9));
            return Task.FromResult(new FetchSourcesResult([s_fetched], []));
        };

        var (output, history) = await RunAsync(activities, RuntimeHarness.Input() with { FetchSources = true });

        activities.Calls.First().ShouldBe("FetchSources");
        activities.Calls.Count(c => c == "FetchSources").ShouldBe(1);
        activities.ProcessCalls.Keys.Order(StringComparer.Ordinal).ShouldBe(["landing/sales/f000.csv", "landing/sales/f009.csv"]);
        output.FilesSucceeded.ShouldBe(2);
        output.Sources.ShouldNotBeNull().Sources.Select(s => s.Message).ShouldBe([s_fetched.Message]);
        output.Sources.Failed.ShouldBeFalse();
        var names = history.Select(h => h.Name).ToList();
        names.IndexOf(ActivityNames.FetchSources).ShouldBeLessThan(names.IndexOf(ActivityNames.Discover), "recorded before Discover");
        history.Single(h => h.Name == ActivityNames.FetchSources).Result!.Value.Deserialize<FetchSourcesResult>(OrchestrationJson.Options)!.Sources.Select(s => s.Message).ShouldBe([s_fetched.Message]);
    }

    [Fact]
    public async Task Run_NoSourcesDeclared_FetchSourcesIsNotCalled()
    {
        var activities = new FakePipelineActivities(2);

        var (output, history) = await RunAsync(activities, RuntimeHarness.Input());

        activities.FetchSourcesCalls.ShouldBe(0);
        activities.Calls.First().ShouldBe("Discover");
        history.ShouldNotContain(h => h.Name == ActivityNames.FetchSources);
        output.Sources.ShouldBeNull();
        output.FilesSucceeded.ShouldBe(2);
    }

    [Fact]
    public async Task Run_FetchSourcesTransientOnce_IsRetriedBeforeDiscover()
    {
        var activities = new FakePipelineActivities(1);
        activities.Fetch = (_, attempt) => attempt == 1
            ? throw new EtlException("Source sales failed: GET https://example.test/sales.csv failed: connection reset", isTransient: true)
            : Task.FromResult(new FetchSourcesResult([s_fetched], []));

        var (output, history) = await RunAsync(activities, RuntimeHarness.Input() with { FetchSources = true });

        activities.FetchSourcesCalls.ShouldBe(2);
        activities.Calls.Take(3).ShouldBe(["FetchSources", "FetchSources", "Discover"]);
        output.Sources.ShouldNotBeNull().Failed.ShouldBeFalse();
        history.Single(h => h.Name == ActivityNames.FetchSources).Attempts.ShouldBe(2);
    }

    [Fact]
    public async Task Run_FetchSourcesTransientEveryTime_RecordsTheFailureAndStillProcessesWhatIsLanded()
    {
        var activities = new FakePipelineActivities(2)
        {
            Fetch = (_, _) => throw new EtlException("Source sales failed: GET https://example.test/sales.csv returned 503", isTransient: true),
        };

        var (output, _) = await RunAsync(activities, RuntimeHarness.Input() with { FetchSources = true });

        activities.FetchSourcesCalls.ShouldBe(RuntimeHarness.FastRetry.MaxAttempts);
        var sources = output.Sources.ShouldNotBeNull();
        sources.Failed.ShouldBeTrue();
        sources.Error.ShouldBe("Source sales failed: GET https://example.test/sales.csv returned 503");
        output.FilesSucceeded.ShouldBe(2);
    }

    [Fact]
    public async Task Run_FetchSourcesPermanentFailure_IsNotRetried()
    {
        var activities = new FakePipelineActivities(1)
        {
            Fetch = (_, _) => throw new EtlException("Dataset 'sales': the environment variable SALES_TOKEN (source.auth.env) is not set."),
        };

        var (output, _) = await RunAsync(activities, RuntimeHarness.Input() with { FetchSources = true });

        activities.FetchSourcesCalls.ShouldBe(1);
        output.Sources.ShouldNotBeNull().Error.ShouldNotBeNull().ShouldContain("SALES_TOKEN");
        output.FilesSucceeded.ShouldBe(1);
    }

    [Fact]
    public async Task Resume_AfterFetchSourcesWasRecorded_DoesNotFetchAgain()
    {
        // First host: the sources are fetched, then the file hangs and the host stops mid-run.
        var first = new FakePipelineActivities(1)
        {
            Fetch = (_, _) => Task.FromResult(new FetchSourcesResult([s_fetched], [])),
            Process = async (f, _, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return Files.Succeeded(f);
            },
        };
        var runtime1 = await _harness.StartRuntimeAsync(first);
        var run = await runtime1.StartPipelineAsync(RuntimeHarness.Input() with { FetchSources = true }, Ct);
        while (first.ProcessCalls.IsEmpty)
        {
            await Task.Delay(10, Ct);
        }

        await runtime1.StopAsync(Ct);

        // Second host: replays the recorded FetchSources result.
        var second = new FakePipelineActivities(1) { Fetch = (_, _) => throw new InvalidOperationException("fetched again on resume") };
        var runtime2 = await _harness.StartRuntimeAsync(second);
        var done = await runtime2.WaitForCompletionAsync(run.Instance.InstanceId, Ct);

        done!.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed);
        second.FetchSourcesCalls.ShouldBe(0);
        done.Output!.Value.Deserialize<PipelineRunOutput>(OrchestrationJson.Options)!.Sources.ShouldNotBeNull().Sources.Select(s => s.Message).ShouldBe([s_fetched.Message]);
    }

    private async Task<(PipelineRunOutput Output, IReadOnlyList<HistoryEvent> History)> RunAsync(FakePipelineActivities activities, PipelineRunInput input)
    {
        var runtime = await _harness.StartRuntimeAsync(activities);
        var run = await runtime.StartPipelineAsync(input, Ct);
        var done = await runtime.WaitForCompletionAsync(run.Instance.InstanceId, Ct);
        done!.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed, done.Output?.ToString());
        var history = await runtime.Instances.GetHistoryAsync(run.Instance.InstanceId, Ct);
        return (done.Output!.Value.Deserialize<PipelineRunOutput>(OrchestrationJson.Options)!, history);
    }
}
