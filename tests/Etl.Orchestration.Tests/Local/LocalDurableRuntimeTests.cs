using System.Text.Json;
using Etl.Core.Runs;
using Etl.Orchestration.Local;

namespace Etl.Orchestration.Tests.Local;

public sealed class LocalDurableRuntimeTests : IAsyncLifetime
{
    private readonly RuntimeHarness _harness = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task StartPipelineAsync_RunsToCompletionAndPersistsStateAndHistory()
    {
        var activities = new FakePipelineActivities(5);
        var runtime = await _harness.StartRuntimeAsync(activities);

        var started = await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct);
        var done = await runtime.WaitForCompletionAsync(started.Instance.InstanceId, Ct);

        started.Created.ShouldBeTrue();
        done!.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed);
        var stored = await runtime.Instances.GetAsync(started.Instance.InstanceId, Ct);
        stored!.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed);
        var output = stored.Output!.Value.Deserialize<PipelineRunOutput>(OrchestrationJson.Options)!;
        output.FilesSucceeded.ShouldBe(5);
        output.RunId.ShouldEndWith("-" + started.Instance.InstanceId[..12], Case.Sensitive, "the run id is the start time and the instance id");
        var status = stored.CustomStatus!.Value.Deserialize<RunProgressStatus>(OrchestrationJson.Options)!;
        status.Stage.ShouldBe("done");
        status.FilesDone.ShouldBe(5);
        var history = await runtime.Instances.GetHistoryAsync(started.Instance.InstanceId, Ct);
        history.Count(h => h.Name == ActivityNames.ProcessFile).ShouldBe(5);
        history.Count(h => h.Name == ActivityNames.ProcessFileBatch).ShouldBe(2);
        (await runtime.Instances.GetActiveAsync(Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task StartPipelineAsync_WhileARunIsActive_ReturnsTheActiveRun()
    {
        var gate = new TaskCompletionSource();
        var activities = new FakePipelineActivities(2) { Process = async (f, _, ct) => { await gate.Task.WaitAsync(ct); return Files.Succeeded(f); } };
        var runtime = await _harness.StartRuntimeAsync(activities);

        var first = await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct);
        var second = await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct);
        gate.SetResult();
        await runtime.WaitForCompletionAsync(first.Instance.InstanceId, Ct);
        var third = await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct);
        await runtime.WaitForCompletionAsync(third.Instance.InstanceId, Ct);

        second.Created.ShouldBeFalse();
        second.Instance.InstanceId.ShouldBe(first.Instance.InstanceId);
        third.Created.ShouldBeTrue();
        third.Instance.InstanceId.ShouldNotBe(first.Instance.InstanceId);
        (await runtime.ListInstancesAsync(null, Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task StartPipelineAsync_ActiveMarkerDeletedMidRun_StillReturnsTheRunningInstance()
    {
        var gate = new TaskCompletionSource();
        var activities = new FakePipelineActivities(2) { Process = async (f, _, ct) => { await gate.Task.WaitAsync(ct); return Files.Succeeded(f); } };
        var runtime = await _harness.StartRuntimeAsync(activities);

        var first = await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct);
        File.Delete(Path.Combine(_harness.LakePath, "_meta", "instances", "active.json"));
        var second = await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct);
        gate.SetResult();
        await runtime.WaitForCompletionAsync(first.Instance.InstanceId, Ct);

        second.Created.ShouldBeFalse("a deleted marker must not let a second run start beside the first");
        second.Instance.InstanceId.ShouldBe(first.Instance.InstanceId);
        (await runtime.ListInstancesAsync(null, Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task CustomStatus_UpdatesWithinTheSaveInterval_LastOneIsSavedAfterIt()
    {
        var gate = new TaskCompletionSource();
        var activities = new FakePipelineActivities(3) { Process = async (f, _, ct) => { if (f.Key.EndsWith("2.csv", StringComparison.Ordinal)) { await gate.Task.WaitAsync(ct); } return Files.Succeeded(f); } };
        var options = RuntimeHarness.Options;
        options.StatusSaveInterval = TimeSpan.FromMilliseconds(300);
        var runtime = await _harness.StartRuntimeAsync(activities, options);

        var started = await runtime.StartPipelineAsync(RuntimeHarness.Input(batchSize: 1, parallel: 1), Ct);

        // Two batches finish in quick succession, then the run waits on the third: the stored status must catch up.
        RunProgressStatus? stored = null;
        for (var i = 0; i < 100 && stored?.FilesDone != 2; i++)
        {
            await Task.Delay(50, Ct);
            stored = (await runtime.Instances.GetAsync(started.Instance.InstanceId, Ct))?.CustomStatus?.Deserialize<RunProgressStatus>(OrchestrationJson.Options);
        }

        gate.SetResult();
        await runtime.WaitForCompletionAsync(started.Instance.InstanceId, Ct);
        stored.ShouldNotBeNull();
        stored.FilesDone.ShouldBe(2, "the stored status shows the two finished files while the third is in flight");
        stored.Stage.ShouldNotBe("discovering");
    }

    [Fact]
    public async Task ProcessFile_TransientFailure_IsRetriedUntilItSucceeds()
    {
        var activities = new FakePipelineActivities(2) { Process = (f, attempt, _) => Task.FromResult(attempt < 3 && f.Key.EndsWith("f001.csv", StringComparison.Ordinal) ? Files.TransientFailure(f) : Files.Succeeded(f)) };

        var output = await RunAsync(activities);

        activities.ProcessCalls["landing/sales/f001.csv"].ShouldBe(3);
        activities.ProcessCalls["landing/sales/f000.csv"].ShouldBe(1);
        output.FilesSucceeded.ShouldBe(2);
    }

    [Fact]
    public async Task ProcessFile_TransientFailureEveryTime_StopsAtMaxAttemptsAndTheRunCompletes()
    {
        var activities = new FakePipelineActivities(2) { Process = (f, _, _) => Task.FromResult(f.Key.EndsWith("f001.csv", StringComparison.Ordinal) ? Files.TransientFailure(f) : Files.Succeeded(f)) };

        var output = await RunAsync(activities);

        activities.ProcessCalls["landing/sales/f001.csv"].ShouldBe(RuntimeHarness.FastRetry.MaxAttempts);
        output.FilesFailed.ShouldBe(1);
        output.FilesSucceeded.ShouldBe(1);
    }

    [Fact]
    public async Task ProcessFile_DataErrors_AreNotRetried()
    {
        var activities = new FakePipelineActivities(3)
        {
            Process = (f, _, _) => f.Key switch
            {
                "landing/sales/f000.csv" => Task.FromResult(Files.DataFailure(f)),
                "landing/sales/f001.csv" => Task.FromResult(Files.Quarantined(f)),
                _ => Task.FromException<FileResult>(new EtlException("unparseable header")),
            },
        };

        var output = await RunAsync(activities);

        activities.ProcessCalls.Values.ShouldAllBe(n => n == 1);
        output.FilesFailed.ShouldBe(2);
        output.FilesQuarantined.ShouldBe(1);
    }

    [Fact]
    public async Task ProcessFile_TransientException_IsRetried()
    {
        var activities = new FakePipelineActivities(1)
        {
            Process = (f, attempt, _) => attempt == 1 ? Task.FromException<FileResult>(new TimeoutException("read timed out")) : Task.FromResult(Files.Succeeded(f)),
        };

        var output = await RunAsync(activities);

        activities.ProcessCalls["landing/sales/f000.csv"].ShouldBe(2);
        output.FilesSucceeded.ShouldBe(1);
    }

    [Fact]
    public async Task TerminateAsync_RunningInstance_IsTerminatedAndAnotherRunCanStart()
    {
        var activities = new FakePipelineActivities(2) { Process = async (f, _, ct) => { await Task.Delay(Timeout.Infinite, ct); return Files.Succeeded(f); } };
        var runtime = await _harness.StartRuntimeAsync(activities);
        var run = await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct);

        var outcome = await runtime.TerminateAsync(run.Instance.InstanceId, "operator asked", Ct);
        var again = await runtime.TerminateAsync(run.Instance.InstanceId, "twice", Ct);

        outcome.ShouldBe(TerminateOutcome.Terminated);
        again.ShouldBe(TerminateOutcome.AlreadyFinished);
        var state = await runtime.GetInstanceAsync(run.Instance.InstanceId, Ct);
        state!.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Terminated);
        state.Output!.Value.GetString().ShouldBe("operator asked");
        (await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct)).Created.ShouldBeTrue();
    }

    [Fact]
    public async Task PurgeAsync_FinishedInstance_DeletesStateAndHistory()
    {
        var runtime = await _harness.StartRuntimeAsync(new FakePipelineActivities(1));
        var run = await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct);
        await runtime.WaitForCompletionAsync(run.Instance.InstanceId, Ct);

        (await runtime.PurgeAsync(run.Instance.InstanceId, Ct)).ShouldBe(PurgeOutcome.Purged);
        (await runtime.PurgeAsync(run.Instance.InstanceId, Ct)).ShouldBe(PurgeOutcome.NotFound);
        (await runtime.GetInstanceAsync(run.Instance.InstanceId, Ct)).ShouldBeNull();
        (await runtime.Instances.GetHistoryAsync(run.Instance.InstanceId, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task StartAsync_AfterAnInterruptedRun_ResumesItWithoutRedoingRecordedActivities()
    {
        // First host: files 0-2 finish, file 3 hangs; the host stops (as a killed process would) mid-run.
        var first = new FakePipelineActivities(7)
        {
            Process = async (f, _, ct) =>
            {
                if (string.CompareOrdinal(f.Key, "landing/sales/f003.csv") >= 0)
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }

                return Files.Succeeded(f);
            },
        };
        var runtime1 = await _harness.StartRuntimeAsync(first);
        var run = await runtime1.StartPipelineAsync(RuntimeHarness.Input(batchSize: 3, parallel: 2), Ct);
        var id = run.Instance.InstanceId;
        while ((await runtime1.Instances.GetHistoryAsync(id, Ct)).Count(h => h.Name == ActivityNames.ProcessFile) < 3)
        {
            await Task.Delay(10, Ct);
        }

        await runtime1.StopAsync(Ct);
        var recorded = (await runtime1.Instances.GetHistoryAsync(id, Ct))
            .Where(h => h.Name == ActivityNames.ProcessFile)
            .Select(h => h.Result!.Value.Deserialize<FileResult>(OrchestrationJson.Options)!.File.Key)
            .ToHashSet();
        (await runtime1.Instances.GetAsync(id, Ct))!.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Running);

        // Second host over the same lake: resumes the instance on start.
        var second = new FakePipelineActivities(7);
        var runtime2 = await _harness.StartRuntimeAsync(second);
        var done = await runtime2.WaitForCompletionAsync(id, Ct);

        done!.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed);
        recorded.ShouldBe(["landing/sales/f000.csv", "landing/sales/f001.csv", "landing/sales/f002.csv"], ignoreOrder: true);
        second.DiscoverCalls.ShouldBe(0);
        foreach (var key in recorded)
        {
            second.ProcessCalls.ContainsKey(key).ShouldBeFalse();
        }

        second.ProcessCalls.Keys.Order(StringComparer.Ordinal).ShouldBe(Files.Items(7).Skip(3).Select(f => f.Key));
        var output = done.Output!.Value.Deserialize<PipelineRunOutput>(OrchestrationJson.Options)!;
        output.FilesSucceeded.ShouldBe(7);
        second.CommitCalls.ShouldBe(1);
    }

    private async Task<PipelineRunOutput> RunAsync(FakePipelineActivities activities)
    {
        var runtime = await _harness.StartRuntimeAsync(activities);
        var run = await runtime.StartPipelineAsync(RuntimeHarness.Input(), Ct);
        var done = await runtime.WaitForCompletionAsync(run.Instance.InstanceId, Ct);
        done!.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed);
        return done.Output!.Value.Deserialize<PipelineRunOutput>(OrchestrationJson.Options)!;
    }
}
