using System.Net.Http.Json;
using System.Text.Json;
using Etl.Orchestration.Hosting;
using Etl.Orchestration.Tests.Local;
using Microsoft.AspNetCore.Builder;

namespace Etl.Orchestration.Tests.Hosting;

/// <summary>The local host on a free loopback port over a temp lake, with an HttpClient pointed at it.</summary>
internal sealed class HostHarness : IAsyncDisposable
{
    private readonly RuntimeHarness _lake = new();
    private WebApplication? _app;

    public FakePipelineActivities Activities { get; private set; } = new();

    public LocalDurableHostOptions Options { get; } = new()
    {
        Port = 0,
        Schedule = null,
        SensorInterval = null,
        Run = RuntimeHarness.Input(),
        Runtime = RuntimeHarness.Options,
        RetryAfterSeconds = 1,
    };

    public HttpClient Client { get; } = new();

    public RuntimeHarness Lake => _lake;

    public async Task StartAsync(FakePipelineActivities activities)
    {
        Activities = activities;
        _app = LocalDurableHost.BuildWebApplication(Options, _lake.Store, activities);
        await _app.StartAsync(TestContext.Current.CancellationToken);
        Client.BaseAddress = new Uri(LocalDurableHost.BoundUrls(_app)[0]);
    }

    /// <summary>Polls the status URL until the instance is no longer running.</summary>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> PollUntilFinishedAsync(string statusUri)
    {
        while (true)
        {
            var response = await Client.GetAsync(statusUri, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
            {
                return (response, body);
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        await _lake.DisposeAsync();
    }
}
