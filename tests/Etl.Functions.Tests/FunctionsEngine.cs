using System.Text.Json;
using Etl.Core.Runs;
using Etl.Orchestration;
using Etl.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Etl.Functions.Tests;

/// <summary>
/// The app's own functions on the real Durable Task engine: <see cref="DurableTaskTestHost"/> runs the Durable Task
/// worker over an in-memory backend (with replay, durable timers and sub-orchestrations) and hosts
/// <see cref="PipelineFunctions"/>' orchestrators and activities, built from the app's wiring
/// (<see cref="EtlFunctionsServiceCollectionExtensions.AddEtlFunctions"/>) and its configured serializer.
/// </summary>
internal sealed class FunctionsEngine : IAsyncDisposable
{
    private readonly DurableTaskTestHost _host;
    private readonly ILoggerFactory _loggerFactory;

    private FunctionsEngine(DurableTaskTestHost host, ServiceProvider services, ILoggerFactory loggerFactory, RecordingLoggerProvider logs)
    {
        _host = host;
        Services = services;
        _loggerFactory = loggerFactory;
        Logs = logs;
    }

    /// <summary>The engine's own logs (the Durable Task worker's).</summary>
    public RecordingLoggerProvider Logs { get; }

    public DurableTaskClient Client => _host.Client;

    /// <summary>The app's services (the same wiring as the deployed app, plus the test's overrides).</summary>
    public ServiceProvider Services { get; }

    /// <summary>
    /// Starts the engine. <paramref name="overrides"/> replaces app services (e.g. fake activities);
    /// <paramref name="batch"/> replaces the batch sub-orchestrator.
    /// </summary>
    public static async Task<FunctionsEngine> StartAsync(
        FunctionAppSettings settings,
        Action<IServiceCollection>? overrides = null,
        Func<TaskOrchestrationContext, FileBatchInput, Task<FileBatchResult>>? batch = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddEtlFunctions(settings);
        overrides?.Invoke(services);
        var provider = services.BuildServiceProvider();
        var functions = ActivatorUtilities.CreateInstance<PipelineFunctions>(provider);
        var serializer = provider.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer
            ?? throw new InvalidOperationException("The app configures no worker serializer.");
        var logs = new RecordingLoggerProvider();
        var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var host = await DurableTaskTestHost.StartAsync(
            registry =>
            {
                // Typed registrations: the engine deserializes the input to the orchestrator's input type, which
                // GetInput<T> inside the app's functions then returns.
                registry.AddOrchestratorFunc<PipelineRunInput, PipelineRunOutput>(ActivityNames.RunPipeline, (context, _) => PipelineFunctions.RunPipeline(context));
                registry.AddOrchestratorFunc<FileBatchInput, FileBatchResult>(
                    ActivityNames.ProcessFileBatch, batch ?? ((context, _) => PipelineFunctions.ProcessFileBatch(context)));
                registry.AddActivityFunc<FetchSourcesRequest, FetchSourcesResult>(ActivityNames.FetchSources, (_, request) => functions.FetchSources(request, CancellationToken.None));
                registry.AddActivityFunc<DiscoverRequest, DiscoverResult>(ActivityNames.Discover, (_, request) => functions.Discover(request, CancellationToken.None));
                registry.AddActivityFunc<ProcessFileRequest, FileResult>(ActivityNames.ProcessFile, (_, request) => functions.ProcessFile(request, CancellationToken.None));
                registry.AddActivityFunc<CommitRequest, RunSummary>(ActivityNames.Commit, (_, request) => functions.Commit(request, CancellationToken.None));
                registry.AddActivityFunc<WarehouseLoadRequest, WarehouseLoadResult>(ActivityNames.LoadWarehouse, (_, request) => functions.LoadWarehouse(request, CancellationToken.None));
            },
            new DurableTaskTestHostOptions
            {
                // A port the OS says is free now: the host's own pick (random in 30000-40000) can land on a port an
                // engine of a test running beside this one, or a test service, already listens on.
                Port = LoopbackPorts.Free(),
                LoggerFactory = loggerFactory,
                ConfigureServices = s => s.Configure<DurableTaskWorkerOptions>(o => o.DataConverter = new ObjectSerializerDataConverter(serializer)),
            });
        return new FunctionsEngine(host, provider, loggerFactory, logs);
    }

    /// <summary>
    /// Durable timers the worker scheduled for orchestrations named <paramref name="orchestrator"/>: the worker logs
    /// each CreateTimer action it sends to the backend (the in-memory backend keeps no history to query).
    /// </summary>
    public int TimersScheduled(string orchestrator) => Logs.Entries.Count(e =>
        e.Category == "Microsoft.DurableTask.Worker.Grpc"
        && e.Message.Contains("[CreateTimer]", StringComparison.Ordinal)
        && e.Message.Contains($"for '{orchestrator}' orchestrator", StringComparison.Ordinal));

    /// <summary>Schedules <see cref="ActivityNames.RunPipeline"/> under a fresh instance id.</summary>
    public async Task<string> StartRunAsync(PipelineRunInput input)
    {
        var id = "test-" + Guid.NewGuid().ToString("N");
        await Client.ScheduleNewOrchestrationInstanceAsync(ActivityNames.RunPipeline, input, new StartOrchestrationOptions(id));
        return id;
    }

    /// <summary>Waits (at most a minute) for the instance to finish; returns it with its input, output and status.</summary>
    public async Task<OrchestrationMetadata> WaitAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        return await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
    }

    /// <summary>Runs to the end and returns the output, failing the test when the run did not complete.</summary>
    public async Task<PipelineRunOutput> RunAsync(PipelineRunInput input)
    {
        var done = await WaitAsync(await StartRunAsync(input));
        done.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        return Read<PipelineRunOutput>(done.SerializedOutput);
    }

    /// <summary>Reads engine JSON with the product's settings.</summary>
    public static T Read<T>(string? json) => JsonSerializer.Deserialize<T>(json ?? "null", OrchestrationJson.Options)
        ?? throw new InvalidOperationException("No JSON to read.");

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await Services.DisposeAsync();
        _loggerFactory.Dispose();
    }
}
