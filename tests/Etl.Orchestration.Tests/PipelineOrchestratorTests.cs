using Etl.Core.Runs;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Etl.Orchestration.Tests;

public sealed class PipelineOrchestratorTests
{
    private const string RunId = "20260301T060000000Z-run1";
    private static readonly DateTime s_clock = new(2026, 3, 1, 6, 0, 0, DateTimeKind.Utc);
    private readonly IOrchestrationContext _context = Substitute.For<IOrchestrationContext>();
    private readonly List<FileBatchInput> _batches = [];
    private readonly List<object?> _statuses = [];
    private CommitRequest? _commit;

    public PipelineOrchestratorTests()
    {
        _context.InstanceId.Returns("run-1");
        _context.CurrentUtcDateTime.Returns(s_clock);
        _context.When(c => c.SetCustomStatus(Arg.Any<object?>())).Do(ci => _statuses.Add(ci[0]));
        _context.CallSubOrchestratorAsync<FileBatchResult>(ActivityNames.ProcessFileBatch, Arg.Any<object?>()).Returns(ci =>
        {
            var batch = (FileBatchInput)ci[1]!;
            _batches.Add(batch);
            return new FileBatchResult(batch.BatchIndex, [.. batch.Files.Select(f => f.Key.EndsWith("f001.csv", StringComparison.Ordinal) ? Files.Quarantined(f) : Files.Succeeded(f))]);
        });
        _context.CallActivityAsync<RunSummary>(ActivityNames.Commit, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>()).Returns(ci =>
        {
            _commit = (CommitRequest)ci[1]!;
            return Files.Summary(_commit, s_clock.AddMinutes(5));
        });
    }

    [Fact]
    public async Task RunAsync_FiveFilesBatchSizeTwo_RunsThreeBatchesInKeyOrder()
    {
        Discovers(5);

        await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales", BatchSize: 2, MaxParallelFiles: 3));

        _batches.Select(b => b.Files.Count).ShouldBe([2, 2, 1]);
        _batches.Select(b => b.BatchIndex).ShouldBe([0, 1, 2]);
        _batches.SelectMany(b => b.Files).ShouldBe(Files.Items(5));
        _batches.ShouldAllBe(b => b.MaxParallelFiles == 3 && b.RunId == RunId && b.PipelineVersion == "v1");
    }

    [Fact]
    public async Task RunAsync_CommitsEveryResultWithTheReplaySafeStartTime()
    {
        Discovers(5);

        var output = await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales", BatchSize: 2));

        _commit.ShouldNotBeNull();
        _commit.Results.Count.ShouldBe(5);
        _commit.StartedAt.ShouldBe(new DateTimeOffset(s_clock));
        _commit.RunId.ShouldBe(RunId, "run ids sort by start time, whatever the instance id");
        output.FilesSucceeded.ShouldBe(4);
        output.FilesQuarantined.ShouldBe(1);
        output.StartedAt.ShouldBe(new DateTimeOffset(s_clock));
        output.FinishedAt.ShouldBe(new DateTimeOffset(s_clock.AddMinutes(5)));
    }

    [Fact]
    public async Task RunAsync_Progress_CountsFilesDoneFailedAndRows()
    {
        Discovers(5);

        await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales", BatchSize: 2));

        var progress = _statuses.OfType<RunProgressStatus>().ToList();
        progress[0].Stage.ShouldBe("discovering");
        progress.Where(p => p.Stage == "processing").Select(p => p.FilesDone).ShouldBe([0, 2, 4, 5]);
        var last = progress[^1];
        last.ShouldBe(new RunProgressStatus("done", 5, 5, 1, 40, 40, 3, 3));
    }

    [Fact]
    public async Task RunAsync_NoNewFiles_CommitsAnEmptyRunWithoutBatches()
    {
        Discovers(0);

        var output = await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales"));

        _batches.ShouldBeEmpty();
        _commit!.Results.ShouldBeEmpty();
        output.FilesTotal.ShouldBe(0);
    }

    [Fact]
    public async Task RunAsync_PassesTheRetryPolicyToEveryActivity()
    {
        Discovers(1);
        var retry = new ActivityRetryPolicy(7, TimeSpan.FromSeconds(1), 3, TimeSpan.FromSeconds(30));

        await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales", Retry: retry));

        await _context.Received(1).CallActivityAsync<DiscoverResult>(ActivityNames.Discover, Arg.Any<object?>(), retry);
        await _context.Received(1).CallActivityAsync<RunSummary>(ActivityNames.Commit, Arg.Any<object?>(), retry);
        _batches.Single().Retry.ShouldBe(retry);
    }

    [Fact]
    public async Task RunAsync_WarehouseLoad_LoadsOnlySucceededFiles()
    {
        Discovers(3);
        WarehouseLoadRequest? load = null;
        _context.CallActivityAsync<WarehouseLoadResult>(ActivityNames.LoadWarehouse, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>())
            .Returns(ci =>
            {
                load = (WarehouseLoadRequest)ci[1]!;
                return new WarehouseLoadResult(load.Files.Count, 20, ["mart_monthly"]);
            });

        var output = await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales", LoadWarehouse: true));

        load.ShouldNotBeNull();
        load.RunId.ShouldBe(RunId, "the run id, not the instance id");
        load.Files.Select(f => f.SourceId).ShouldBe(["src000", "src002"]);
        load.Files[0].Outputs.ShouldBe(["processed/sales/part-src000.parquet"]);
        output.Warehouse!.FilesLoaded.ShouldBe(2);
    }

    [Fact]
    public async Task RunAsync_WarehouseLoadFails_RecordsErrorAndKeepsTheCommittedRun()
    {
        Discovers(2);
        _context.CallActivityAsync<WarehouseLoadResult>(ActivityNames.LoadWarehouse, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>())
            .ThrowsAsync(new ActivityFailedException(ActivityNames.LoadWarehouse, "model 'sales_by_month' failed: column \"x\" does not exist", false));

        var output = await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales", LoadWarehouse: true));

        await _context.Received(1).CallActivityAsync<RunSummary>(ActivityNames.Commit, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>());
        output.FilesSucceeded.ShouldBe(1);
        output.Warehouse.ShouldBeNull();
        output.WarehouseError.ShouldNotBeNull().ShouldContain("sales_by_month");
    }

    [Fact]
    public async Task RunAsync_WarehouseLoadWithNothingNew_StillRunsTheLoadStep()
    {
        _context.CallActivityAsync<DiscoverResult>(ActivityNames.Discover, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>())
            .Returns(new DiscoverResult("v1", [], 5, []));
        WarehouseLoadRequest? load = null;
        _context.CallActivityAsync<WarehouseLoadResult>(ActivityNames.LoadWarehouse, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>())
            .Returns(ci =>
            {
                load = (WarehouseLoadRequest)ci[1]!;
                return new WarehouseLoadResult(0, 0, ["mart_monthly"]);
            });

        var output = await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales", LoadWarehouse: true));

        load.ShouldNotBeNull().Files.ShouldBeEmpty();
        output.Warehouse!.ModelsRun.ShouldBe(["mart_monthly"]);
    }

    [Fact]
    public async Task RunAsync_WarehouseLoadOff_NeverCallsIt()
    {
        Discovers(3);

        var output = await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales"));

        await _context.DidNotReceive().CallActivityAsync<WarehouseLoadResult>(ActivityNames.LoadWarehouse, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>());
        output.Warehouse.ShouldBeNull();
    }

    [Fact]
    public async Task RunAsync_DiscoverRequest_CarriesRunIdAndOptions()
    {
        Discovers(0);

        await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales", RetryFailed: true, ReprocessAll: true));

        await _context.Received(1).CallActivityAsync<DiscoverResult>(
            ActivityNames.Discover, new DiscoverRequest("sales", RunId, true, true), Arg.Any<ActivityRetryPolicy?>());
    }

    [Fact]
    public async Task RunBatchAsync_OneFileFails_OthersSucceedAndTheFailureIsRecorded()
    {
        var files = Files.Items(4);
        _context.CallActivityAsync<FileResult>(ActivityNames.ProcessFile, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>()).Returns(ci =>
        {
            var request = (ProcessFileRequest)ci[1]!;
            return request.File == files[2]
                ? Task.FromException<FileResult>(new ActivityFailedException(ActivityNames.ProcessFile, "connection reset", isTransient: true))
                : Task.FromResult(Files.Succeeded(request.File));
        });

        var result = await PipelineOrchestrator.RunBatchAsync(_context, Batch(files, 2));

        result.Results.Select(r => r.File).ShouldBe(files);
        result.Results.Select(r => r.Status).ShouldBe([FileStatus.Succeeded, FileStatus.Succeeded, FileStatus.Failed, FileStatus.Succeeded]);
        result.Results[2].Error.ShouldBe("connection reset");
        result.Results[2].IsTransient.ShouldBeTrue();
    }

    [Fact]
    public async Task RunBatchAsync_FansOutOneActivityPerFileWithAtMostMaxParallelInFlight()
    {
        var files = Files.Items(5);
        var pending = new List<(ProcessFileRequest Request, TaskCompletionSource<FileResult> Done)>();
        _context.CallActivityAsync<FileResult>(ActivityNames.ProcessFile, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>()).Returns(ci =>
        {
            var tcs = new TaskCompletionSource<FileResult>();
            pending.Add(((ProcessFileRequest)ci[1]!, tcs));
            return tcs.Task;
        });

        var run = PipelineOrchestrator.RunBatchAsync(_context, Batch(files, 2));
        pending.Count.ShouldBe(2);
        pending[1].Done.SetResult(Files.Succeeded(pending[1].Request.File));
        pending.Count.ShouldBe(3);
        pending[0].Done.SetResult(Files.Succeeded(pending[0].Request.File));
        pending.Count.ShouldBe(4);
        run.IsCompleted.ShouldBeFalse();
        for (var i = 2; i < 5; i++)
        {
            pending[i].Done.SetResult(Files.Succeeded(pending[i].Request.File));
        }

        var result = await run;
        pending.Select(p => p.Request.File).ShouldBe(files);
        result.Results.Select(r => r.File).ShouldBe(files);
    }

    [Fact]
    public async Task RunBatchAsync_ProcessFileRequest_CarriesRunPipelineVersionAndRetryPolicy()
    {
        var files = Files.Items(1);
        var retry = new ActivityRetryPolicy(3, TimeSpan.FromSeconds(2), 2, TimeSpan.FromSeconds(10));
        _context.CallActivityAsync<FileResult>(ActivityNames.ProcessFile, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>()).Returns(ci => Files.Succeeded(((ProcessFileRequest)ci[1]!).File));

        await PipelineOrchestrator.RunBatchAsync(_context, Batch(files, 1) with { Retry = retry });

        await _context.Received(1).CallActivityAsync<FileResult>(ActivityNames.ProcessFile, new ProcessFileRequest("sales", "run-1", "v1", files[0]), retry);
    }

    [Fact]
    public async Task RunAsync_DiscoverFails_FailsTheRun()
    {
        _context.CallActivityAsync<DiscoverResult>(ActivityNames.Discover, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>())
            .ThrowsAsync(new ActivityFailedException(ActivityNames.Discover, "landing/ is not readable", false));

        await Should.ThrowAsync<ActivityFailedException>(() => PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales")));
        await _context.DidNotReceive().CallActivityAsync<RunSummary>(ActivityNames.Commit, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>());
    }

    private static FileBatchInput Batch(IReadOnlyList<FileWorkItem> files, int parallel) =>
        new("sales", "run-1", "v1", 0, files, parallel, ActivityRetryPolicy.None);

    [Fact]
    public async Task RunAsync_DeferredFiles_DiscoversAndCommitsRoundByRoundUntilNoneDeferred()
    {
        var items = Files.Items(4);
        var discovers = new List<DiscoverRequest>();
        var commits = new List<CommitRequest>();
        var rounds = new Queue<DiscoverResult>([
            new DiscoverResult("v1", items.Take(2).ToList(), 1, [], Deferred: 2),
            new DiscoverResult("v1", items.Skip(2).Take(1).ToList(), 3, [], Deferred: 1),
            new DiscoverResult("v1", items.Skip(3).ToList(), 4, [], Deferred: 0)]);
        _context.CallActivityAsync<DiscoverResult>(ActivityNames.Discover, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>())
            .Returns(ci =>
            {
                discovers.Add((DiscoverRequest)ci[1]!);
                return rounds.Dequeue();
            });
        _context.CallActivityAsync<RunSummary>(ActivityNames.Commit, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>()).Returns(ci =>
        {
            commits.Add((CommitRequest)ci[1]!);
            return Files.Summary(commits[^1], s_clock.AddMinutes(5));
        });

        var output = await PipelineOrchestrator.RunAsync(_context, new PipelineRunInput("sales", BatchSize: 10, ReprocessAll: true));

        discovers.Select(d => d.RunId).ShouldBe([RunId, RunId + ".r2", RunId + ".r3"]);
        discovers.ShouldAllBe(d => d.ReprocessAll);
        commits.Select(c => (c.RunId, c.Results.Count)).ShouldBe([(RunId, 2), (RunId + ".r2", 1), (RunId + ".r3", 1)]);
        _batches.Select(b => b.BatchIndex).ShouldBe([0, 1, 2]);
        output.FilesTotal.ShouldBe(4);
        output.FilesQuarantined.ShouldBe(1, "f001 is quarantined by the fake batch");
        output.FilesUpToDate.ShouldBe(1, "from the first round's discovery");
    }

    private void Discovers(int count) =>
        _context.CallActivityAsync<DiscoverResult>(ActivityNames.Discover, Arg.Any<object?>(), Arg.Any<ActivityRetryPolicy?>())
            .Returns(new DiscoverResult("v1", Files.Items(count), 2, []));
}
