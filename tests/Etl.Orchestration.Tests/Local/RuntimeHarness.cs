using Etl.Orchestration.Local;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Orchestration.Tests.Local;

/// <summary>A lake in a temp folder and runtimes over it with fast settings.</summary>
internal sealed class RuntimeHarness : IAsyncDisposable
{
    private readonly TempDirectory _lake = new("etl-orch");
    private readonly List<LocalDurableRuntime> _runtimes = [];

    public RuntimeHarness() => Store = new LocalObjectStore(_lake.Path);

    public LocalObjectStore Store { get; }

    public string LakePath => _lake.Path;

    public static ActivityRetryPolicy FastRetry { get; } = new(3, TimeSpan.FromMilliseconds(1), 2, TimeSpan.FromMilliseconds(5));

    public static LocalRuntimeOptions Options => new() { LeaseDuration = TimeSpan.FromSeconds(2), LeaseRetryInterval = TimeSpan.FromMilliseconds(50), StatusSaveInterval = TimeSpan.Zero };

    public async Task<LocalDurableRuntime> StartRuntimeAsync(FakePipelineActivities activities, LocalRuntimeOptions? options = null)
    {
        var runtime = new LocalDurableRuntime(Store, new PipelineActivityDispatcher(activities), options ?? Options);
        _runtimes.Add(runtime);
        await runtime.StartAsync(TestContext.Current.CancellationToken);
        return runtime;
    }

    public static PipelineRunInput Input(int batchSize = 3, int parallel = 2) => new("sales", BatchSize: batchSize, MaxParallelFiles: parallel, Retry: FastRetry, Trigger: "test");

    public async ValueTask DisposeAsync()
    {
        foreach (var r in _runtimes)
        {
            await r.DisposeAsync();
        }

        _lake.Dispose();
    }
}
