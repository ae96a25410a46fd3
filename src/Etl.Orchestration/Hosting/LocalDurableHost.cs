using System.Net;
using Etl.Core.Runs;
using Etl.Orchestration.Local;
using Etl.Orchestration.Triggers;
using Etl.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Etl.Orchestration.Hosting;

/// <summary>
/// The local durable host behind <c>etl serve</c>: Kestrel on 127.0.0.1 (port configurable) with Durable Functions'
/// management API, an HTTP start endpoint, storage-event webhooks, the schedule and the new-file sensor, over the
/// <see cref="LocalDurableRuntime"/> whose instances persist in the lake.
/// </summary>
public static class LocalDurableHost
{
    /// <summary>
    /// Builds the host. Throws <see cref="EtlException"/> for a bad setting (a non-loopback address without an API key,
    /// a schedule that is not a 6-field NCrontab expression) before anything listens.
    /// </summary>
    public static WebApplication BuildWebApplication(
        LocalDurableHostOptions options,
        IObjectStore store,
        IPipelineActivities activities,
        IWarehouseLoadActivity? warehouse = null,
        Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(activities);
        var keys = ApiKeyPolicy.Create(options);
        var schedule = string.IsNullOrWhiteSpace(options.Schedule) ? null : options.Schedule;
        if (schedule is not null)
        {
            ScheduleTrigger.Parse(schedule);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(LocalDurableHost).Assembly.GetName().Name });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.Address), options.Port));
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(store);
        services.AddSingleton(activities);
        services.AddSingleton(sp => new LocalDurableRuntime(store, new PipelineActivityDispatcher(activities, warehouse), options.Runtime, sp.GetRequiredService<ILoggerFactory>().CreateLogger<LocalDurableRuntime>()));
        services.AddSingleton<RunTrigger>();
        services.AddHostedService<RuntimeHostedService>();
        if (schedule is not null)
        {
            services.AddSingleton<IHostedService>(sp => new ScheduleTrigger(sp.GetRequiredService<RunTrigger>(), schedule, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ScheduleTrigger>>()));
        }

        if (options.SensorInterval is { } interval)
        {
            services.AddSingleton<IHostedService>(sp => new NewFileSensor(sp.GetRequiredService<RunTrigger>(), interval, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<NewFileSensor>>()));
        }

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var presented = context.Request.Headers["x-functions-key"].ToString();
            if (presented.Length == 0)
            {
                presented = context.Request.Query["code"].ToString();
            }

            if (!keys.IsAuthorized(presented))
            {
                Log.Unauthorized(app.Logger, context.Request.Method, context.Request.Path.Value ?? string.Empty);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.Use(async (context, next) =>
        {
            var runtime = context.RequestServices.GetRequiredService<LocalDurableRuntime>();
            if (!runtime.IsStarted)
            {
                try
                {
                    await runtime.WhenStarted.WaitAsync(TimeSpan.FromSeconds(2), context.RequestAborted).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    context.Response.Headers.RetryAfter = "5";
                    await context.Response.WriteAsJsonAsync(
                        new { message = $"Another host holds the lake {store.Description} ({LocalRuntimeOptions.LeaseKey}); this host takes it over when that host stops. Retry later, or send the request to the host that holds it." },
                        context.RequestAborted).ConfigureAwait(false);
                    return;
                }
            }

            await next(context).ConfigureAwait(false);
        });
        DurableHttpApi.Map(app);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in BoundUrls(app))
            {
                Log.HostListening(app.Logger, url, keys.RequiresKey ? "required" : "not required on loopback");
            }
        });
        return app;
    }

    /// <summary>Builds and runs the host until <paramref name="cancellationToken"/> is cancelled.</summary>
    public static async Task RunAsync(
        LocalDurableHostOptions options,
        IObjectStore store,
        IPipelineActivities activities,
        IWarehouseLoadActivity? warehouse = null,
        Action<ILoggingBuilder>? configureLogging = null,
        CancellationToken cancellationToken = default)
    {
        var app = BuildWebApplication(options, store, activities, warehouse, configureLogging);
        await using (app.ConfigureAwait(false))
        {
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The addresses the started host listens on (with the real port when port 0 was asked for).</summary>
    public static IReadOnlyList<string> BoundUrls(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var feature = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        return feature is null ? [] : [.. feature.Addresses];
    }

    /// <summary>
    /// Takes the lake in the background, so that a host that waits for another host's lease already listens and answers
    /// 503 with Retry-After (instead of refusing connections) until it has the lake.
    /// </summary>
    private sealed class RuntimeHostedService(LocalDurableRuntime runtime) : IHostedService, IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task? _starting;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _starting = TakeLakeAsync();
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_starting is not null)
            {
                await _starting.ConfigureAwait(false);
            }

            await runtime.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        public void Dispose() => _stop.Dispose();

        private async Task TakeLakeAsync()
        {
            try
            {
                await runtime.StartAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Stopped while still waiting for the lake.
            }
        }
    }
}
