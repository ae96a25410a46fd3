using System.Text.Json;
using Etl.Core.Runs;

namespace Etl.Orchestration;

/// <summary>
/// The activity side of the orchestration, shared by every host: calls <see cref="IPipelineActivities"/> (and the
/// optional warehouse load) and turns failures that may succeed on retry into <see cref="TransientActivityException"/>,
/// including a <see cref="FileResult"/> that reports a transient failure. Durable Functions activity functions call the
/// typed methods; the local runtime calls <see cref="InvokeAsync"/> by name with JSON.
/// </summary>
public sealed class PipelineActivityDispatcher(IPipelineActivities activities, IWarehouseLoadActivity? warehouse = null)
{
    /// <summary>FetchSources activity. A source that failed transiently fails it transiently, so that the host retries it.</summary>
    public Task<FetchSourcesResult> FetchSourcesAsync(FetchSourcesRequest request, CancellationToken cancellationToken = default) =>
        GuardAsync(() => activities.FetchSourcesAsync(request, cancellationToken), cancellationToken);

    /// <summary>Discover activity.</summary>
    public Task<DiscoverResult> DiscoverAsync(DiscoverRequest request, CancellationToken cancellationToken = default) =>
        GuardAsync(() => activities.DiscoverAsync(request, cancellationToken), cancellationToken);

    /// <summary>ProcessFile activity. A failed result marked transient is thrown so that the host retries it.</summary>
    public async Task<FileResult> ProcessFileAsync(ProcessFileRequest request, CancellationToken cancellationToken = default)
    {
        var result = await GuardAsync(() => activities.ProcessFileAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        if (result is { Status: FileStatus.Failed, IsTransient: true })
        {
            throw new TransientActivityException(result.Error ?? $"Processing '{request.File.Key}' failed transiently.");
        }

        return result;
    }

    /// <summary>Commit activity.</summary>
    public Task<RunSummary> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default) =>
        GuardAsync(() => activities.CommitAsync(request, cancellationToken), cancellationToken);

    /// <summary>Warehouse load activity. Fails (not transiently) when no warehouse is configured.</summary>
    public Task<WarehouseLoadResult> LoadWarehouseAsync(WarehouseLoadRequest request, CancellationToken cancellationToken = default)
    {
        if (warehouse is null)
        {
            throw new EtlException("The run asked for a warehouse load, but no warehouse is configured. Add a 'warehouse' block to the pipeline definition or start the run without the warehouse load.");
        }

        return GuardAsync(() => warehouse.LoadAsync(request, cancellationToken), cancellationToken);
    }

    /// <summary>Runs activity <paramref name="name"/> on its JSON input and returns its output object.</summary>
    public async Task<object?> InvokeAsync(string name, string inputJson, CancellationToken cancellationToken = default)
    {
        var options = OrchestrationJson.Options;
        return name switch
        {
            ActivityNames.FetchSources => await FetchSourcesAsync(Read<FetchSourcesRequest>(inputJson, options, name), cancellationToken).ConfigureAwait(false),
            ActivityNames.Discover => await DiscoverAsync(Read<DiscoverRequest>(inputJson, options, name), cancellationToken).ConfigureAwait(false),
            ActivityNames.ProcessFile => await ProcessFileAsync(Read<ProcessFileRequest>(inputJson, options, name), cancellationToken).ConfigureAwait(false),
            ActivityNames.Commit => await CommitAsync(Read<CommitRequest>(inputJson, options, name), cancellationToken).ConfigureAwait(false),
            ActivityNames.LoadWarehouse => await LoadWarehouseAsync(Read<WarehouseLoadRequest>(inputJson, options, name), cancellationToken).ConfigureAwait(false),
            _ => throw new EtlException($"No activity named '{name}'. Known activities: {ActivityNames.FetchSources}, {ActivityNames.Discover}, {ActivityNames.ProcessFile}, {ActivityNames.Commit}, {ActivityNames.LoadWarehouse}."),
        };
    }

    /// <summary>Whether an exception thrown by an activity is worth retrying.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        EtlException e => e.IsTransient,
        TimeoutException or HttpRequestException => true,
        IOException and not FileNotFoundException and not DirectoryNotFoundException => true,
        _ => false,
    };

    private static T Read<T>(string json, JsonSerializerOptions options, string name) =>
        JsonSerializer.Deserialize<T>(json, options) ?? throw new EtlException($"Activity '{name}' got a null input.");

    private static async Task<T> GuardAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not TransientActivityException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && IsTransient(ex))
        {
            throw new TransientActivityException(ex.Message, ex);
        }
    }
}
