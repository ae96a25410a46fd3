using Etl.Core.Runs;
using Etl.Orchestration;
using Etl.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Functions.Tests;

/// <summary>The app's orchestrator, batch sub-orchestrator and activities on the real Durable Task engine.</summary>
public sealed class OrchestrationOnEngineTests : IDisposable
{
    private static readonly ActivityRetryPolicy s_fastRetry = new(3, TimeSpan.FromMilliseconds(200), 2.0, TimeSpan.FromSeconds(1));
    private readonly TempDirectory _lake = new("etl-fn-engine");

    public void Dispose() => _lake.Dispose();

    [Fact]
    public async Task RunPipeline_TwelveFilesInBatchesOfFive_ThreeBatchSubOrchestrationsAtMostTwoFilesInFlight()
    {
        var fake = new FakeActivities(12);
        var bothStarted = new CountdownEvent(2);
        fake.Process = async (f, _) =>
        {
            // The first two files wait for each other: proof that two run at once.
            if (f.Key.EndsWith("f000.csv", StringComparison.Ordinal) || f.Key.EndsWith("f001.csv", StringComparison.Ordinal))
            {
                bothStarted.Signal();
                await Task.Run(() => bothStarted.Wait(TimeSpan.FromSeconds(30)));
            }

            return FakeActivities.Succeeded(f);
        };
        await using var engine = await StartAsync(fake);

        var output = await engine.RunAsync(new PipelineRunInput("store-sales", BatchSize: 5, MaxParallelFiles: 2, Retry: s_fastRetry));

        output.FilesSucceeded.ShouldBe(12);
        bothStarted.IsSet.ShouldBeTrue("the first two files of a batch ran at the same time");
        fake.MaxInFlight.ShouldBe(2);
        fake.Attempts.Count.ShouldBe(12);
        var batches = await BatchInputsAsync(engine);
        batches.Select(b => b.Files.Count).Order().ShouldBe([2, 5, 5]);
        batches.SelectMany(b => b.Files).Select(f => f.Key).Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(0, 12).Select(i => FakeActivities.Item(i).Key));
    }

    [Fact]
    public async Task ProcessFile_TransientTwiceThenSucceeds_RetriedAfterDurableTimers()
    {
        var fake = new FakeActivities(2);
        fake.Process = (f, attempt) => Task.FromResult(
            f.Key.EndsWith("f001.csv", StringComparison.Ordinal) && attempt <= 2
                ? PipelineOrchestrator.FailedResult(f, "storage throttled (503)", isTransient: true)
                : FakeActivities.Succeeded(f));
        await using var engine = await StartAsync(fake);

        var output = await engine.RunAsync(new PipelineRunInput("store-sales", Retry: s_fastRetry));

        output.FilesSucceeded.ShouldBe(2);
        output.FilesFailed.ShouldBe(0);
        fake.Attempts[FakeActivities.Item(1).Key].ShouldBe(3);
        fake.Attempts[FakeActivities.Item(0).Key].ShouldBe(1);
        engine.TimersScheduled(ActivityNames.ProcessFileBatch).ShouldBe(2, "one durable timer before each retry");
    }

    [Fact]
    public async Task ProcessFile_AlwaysTransient_RetriedUntilAttemptsRunOutThenFailedTransient()
    {
        var fake = new FakeActivities(1);
        fake.Process = (f, _) => Task.FromResult(PipelineOrchestrator.FailedResult(f, "connection reset by peer", isTransient: true));
        await using var engine = await StartAsync(fake);

        var output = await engine.RunAsync(new PipelineRunInput("store-sales", Retry: s_fastRetry));

        output.FilesFailed.ShouldBe(1);
        fake.Attempts[FakeActivities.Item(0).Key].ShouldBe(s_fastRetry.MaxAttempts);
        engine.TimersScheduled(ActivityNames.ProcessFileBatch).ShouldBe(s_fastRetry.MaxAttempts - 1);
        var failed = (await CommittedResultsAsync(engine)).ShouldHaveSingleItem();
        failed.Status.ShouldBe(FileStatus.Failed);
        failed.IsTransient.ShouldBeTrue();
        failed.Error.ShouldNotBeNull().ShouldContain("connection reset by peer");
    }

    [Fact]
    public async Task ProcessFile_DataError_NotRetried()
    {
        var fake = new FakeActivities(1);
        fake.Process = (_, _) => throw new EtlException("Line 3, column 'amount': 'abc' is not a decimal.");
        await using var engine = await StartAsync(fake);

        var output = await engine.RunAsync(new PipelineRunInput("store-sales", Retry: s_fastRetry));

        output.FilesFailed.ShouldBe(1);
        fake.Attempts[FakeActivities.Item(0).Key].ShouldBe(1);
        var failed = (await CommittedResultsAsync(engine)).ShouldHaveSingleItem();
        failed.IsTransient.ShouldBeFalse();
        failed.Error.ShouldNotBeNull().ShouldContain("'abc' is not a decimal");
        engine.TimersScheduled(ActivityNames.ProcessFileBatch).ShouldBe(0);
    }

    [Fact]
    public async Task CallSubOrchestrator_BatchFails_SurfacesAsActivityFailedException()
    {
        var fake = new FakeActivities(3);
        await using var engine = await StartAsync(fake, batch: (_, input) => throw new InvalidOperationException($"batch {input.BatchIndex} lost its files"));

        var done = await engine.WaitAsync(await engine.StartRunAsync(new PipelineRunInput("store-sales", Retry: s_fastRetry)));

        done.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Failed);
        var failure = done.FailureDetails.ShouldNotBeNull();
        failure.IsCausedBy<ActivityFailedException>().ShouldBeTrue(failure.ToString());
        failure.ErrorMessage.ShouldContain("'ProcessFileBatch' failed");
        failure.ErrorMessage.ShouldMatch(@"batch \d+ lost its files"); // batches run side by side: whichever fails first
        fake.CommitCalls.ShouldBe(0);
    }

    [Fact]
    public async Task CustomStatus_ReportsProgressPerBatch_CamelCase()
    {
        var fake = new FakeActivities(4);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Process = async (f, _) =>
        {
            if (string.CompareOrdinal(f.Key, FakeActivities.Item(2).Key) >= 0)
            {
                await release.Task; // the second batch waits until the test has seen the first one's progress
            }

            return FakeActivities.Succeeded(f, rows: 5);
        };
        await using var engine = await StartAsync(fake);
        var id = await engine.StartRunAsync(new PipelineRunInput("store-sales", BatchSize: 2, MaxParallelFiles: 2, Retry: s_fastRetry));

        string? midway = null;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            while (midway is null)
            {
                var now = await engine.Client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token);
                if (now?.SerializedCustomStatus is { } status && status.Contains("\"batchesDone\":1", StringComparison.Ordinal))
                {
                    midway = status;
                }
                else
                {
                    await Task.Delay(50, timeout.Token);
                }
            }
        }

        release.SetResult();
        var done = await engine.WaitAsync(id);

        midway.ShouldBe("""{"stage":"processing","filesTotal":4,"filesDone":2,"filesFailed":0,"rowsRead":10,"rowsWritten":10,"batchesDone":1,"batchesTotal":2}""");
        done.SerializedCustomStatus.ShouldBe("""{"stage":"done","filesTotal":4,"filesDone":4,"filesFailed":0,"rowsRead":20,"rowsWritten":20,"batchesDone":2,"batchesTotal":2}""");
    }

    [Fact]
    public async Task StartOrJoin_EightTriggersAtOnce_OneRunAndNoTriggerFails()
    {
        var fake = new FakeActivities(2);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fake.Process = async (f, _) =>
        {
            await hold.Task; // keep the run active while the triggers fire
            return FakeActivities.Succeeded(f);
        };
        await using var engine = await StartAsync(fake);
        var starter = engine.Services.GetRequiredService<RunStarter>();
        using var go = new ManualResetEventSlim();

        var burst = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            go.Wait();
            return await starter.StartOrJoinAsync(engine.Client, $"blob-event-{i}", CancellationToken.None);
        })).ToList();
        go.Set();
        var starts = await Task.WhenAll(burst);
        hold.SetResult();

        starts.Count(s => s.Created).ShouldBe(1);
        starts.Select(s => s.InstanceId).Distinct().ShouldBe(["etl-store-sales"]);
        var done = await engine.WaitAsync("etl-store-sales");
        done.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        fake.DiscoverCalls.ShouldBe(1);
        fake.Attempts.Values.ShouldAllBe(n => n == 1);
    }

    [Fact]
    public async Task StartOrJoin_AfterTheRunFinished_StartsTheNextRunUnderTheSameId()
    {
        var fake = new FakeActivities(1);
        await using var engine = await StartAsync(fake);
        var starter = engine.Services.GetRequiredService<RunStarter>();

        var first = await starter.StartOrJoinAsync(engine.Client, "schedule", CancellationToken.None);
        var firstRun = await engine.WaitAsync(first.InstanceId);
        var second = await starter.StartOrJoinAsync(engine.Client, "schedule", CancellationToken.None);
        var secondRun = await engine.WaitAsync(second.InstanceId);

        first.Created.ShouldBeTrue();
        second.Created.ShouldBeTrue();
        second.InstanceId.ShouldBe(first.InstanceId);
        secondRun.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed, secondRun.FailureDetails?.ToString());
        FunctionsEngine.Read<PipelineRunOutput>(firstRun.SerializedOutput).FilesSucceeded.ShouldBe(1);
        FunctionsEngine.Read<PipelineRunOutput>(secondRun.SerializedOutput).FilesUpToDate.ShouldBe(1);
        fake.DiscoverCalls.ShouldBe(2);
    }

    [Theory]
    [InlineData("Etl.Orchestration.TransientActivityException", true)]
    [InlineData("Etl.EtlException", false)]
    [InlineData("System.TimeoutException", false)]
    [InlineData("No.Such.Type", false)]
    public void IsTransient_ResolvesTheRecordedErrorType(string errorType, bool transient) =>
        DurableOrchestrationContext.IsTransient(new TaskFailureDetails(errorType, "failed", null, null, null)).ShouldBe(transient);

    [Fact]
    public async Task LoadWarehouse_GetsTheRunIdNotTheInstanceId()
    {
        var fake = new FakeActivities(2);
        var warehouse = new RecordingWarehouse();
        await using var engine = await StartAsync(fake, services => services.AddSingleton<IWarehouseLoadActivity>(warehouse));

        var id = await engine.StartRunAsync(new PipelineRunInput("store-sales", LoadWarehouse: true, Retry: s_fastRetry));
        var done = await engine.WaitAsync(id);

        done.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        var output = FunctionsEngine.Read<PipelineRunOutput>(done.SerializedOutput);
        var request = warehouse.Requests.ShouldHaveSingleItem();
        request.RunId.ShouldBe(output.RunId);
        request.RunId.ShouldNotBe(id);
        request.Files.Count.ShouldBe(2);
        output.Warehouse.ShouldNotBeNull().FilesLoaded.ShouldBe(2);
    }

    private Task<FunctionsEngine> StartAsync(FakeActivities fake, Action<IServiceCollection>? more = null, Func<TaskOrchestrationContext, FileBatchInput, Task<FileBatchResult>>? batch = null) =>
        FunctionsEngine.StartAsync(
            new FunctionAppSettings(RepoPaths.Get("samples", "store-sales", "pipeline.yaml"), _lake.Path),
            services =>
            {
                services.AddSingleton<IPipelineActivities>(fake);
                more?.Invoke(services);
            },
            batch);

    private static async Task<List<OrchestrationMetadata>> BatchInstancesAsync(FunctionsEngine engine)
    {
        var all = new List<OrchestrationMetadata>();
        await foreach (var instance in engine.Client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true }))
        {
            if (instance.Name == ActivityNames.ProcessFileBatch)
            {
                all.Add(instance);
            }
        }

        return all;
    }

    private static async Task<List<FileBatchInput>> BatchInputsAsync(FunctionsEngine engine) =>
        [.. (await BatchInstancesAsync(engine)).Select(b => FunctionsEngine.Read<FileBatchInput>(b.SerializedInput))];

    private static async Task<List<FileResult>> CommittedResultsAsync(FunctionsEngine engine) =>
        [.. (await BatchInstancesAsync(engine)).SelectMany(b => FunctionsEngine.Read<FileBatchResult>(b.SerializedOutput).Results)];

    private sealed class RecordingWarehouse : IWarehouseLoadActivity
    {
        public List<WarehouseLoadRequest> Requests { get; } = [];

        public Task<WarehouseLoadResult> LoadAsync(WarehouseLoadRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            return Task.FromResult(new WarehouseLoadResult(request.Files.Count, 20, ["marts"]));
        }
    }
}
