using Etl.Storage;
using System.CommandLine;
using System.Globalization;
using Etl.Core.Pipeline;
using Etl.Orchestration;
using Etl.Orchestration.Hosting;
using Microsoft.Extensions.Logging;

namespace Etl.Cli.Commands;

/// <summary>
/// <c>etl serve</c>: the local durable host. Serves Durable Functions' HTTP management API on 127.0.0.1, runs the
/// schedule, the new-file sensor and the storage-event webhooks, and resumes any run a stopped host left unfinished.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => 7071 };
        var bind = new Option<string>("--bind") { Description = "Address to listen on. Any address but loopback needs an API key.", DefaultValueFactory = _ => "127.0.0.1" };
        var apiKey = new Option<string?>("--api-key") { Description = "API key every request must carry (header x-functions-key). Default: ETL_API_KEY." };
        var schedule = new Option<string>("--schedule") { Description = "6-field NCrontab schedule, seconds first (as Functions' TimerTrigger); \"\" disables it.", DefaultValueFactory = _ => "0 0 0 * * *" };
        var poll = new Option<int>("--poll-seconds") { Description = "How often to look for new landed files; 0 disables the sensor.", DefaultValueFactory = _ => 60 };
        var loadWarehouse = new Option<bool>("--load-warehouse")
        {
            Description = "End every run with the warehouse load and models of the 'warehouse:' section (a start request's loadWarehouse overrides it).",
        };
        var command = new Command("serve", "Host the pipeline: Durable Functions' HTTP API, a schedule, a new-file sensor and storage-event webhooks, until Ctrl+C.")
        {
            common.Config, common.Lake, port, bind, apiKey, schedule, poll, loadWarehouse,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (await common.OpenAsync(result, stderr).ConfigureAwait(false) is not { } opened)
            {
                return ExitCodes.ConfigurationError;
            }

            var (definition, store) = opened;
            IWarehouseLoadActivity? warehouse = null;
            if (result.GetValue(loadWarehouse))
            {
                if (await WarehouseStep.CreateAsync(result.GetValue(common.Config)!, store, stderr).ConfigureAwait(false) is not { } step)
                {
                    return ExitCodes.ConfigurationError;
                }

                warehouse = step;
            }

            var seconds = result.GetValue(poll);
            var options = new LocalDurableHostOptions
            {
                Address = result.GetValue(bind)!,
                Port = result.GetValue(port),
                ApiKey = result.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("ETL_API_KEY"),
                Schedule = result.GetValue(schedule),
                SensorInterval = seconds > 0 ? TimeSpan.FromSeconds(seconds) : null,
                Run = new PipelineRunInput(definition.Name, MaxParallelFiles: definition.MaxParallelFiles, Trigger: "serve", LoadWarehouse: warehouse is not null, FetchSources: SourceSteps.Declared(definition)),
            };
            try
            {
                // Every change the host makes is fenced: if it ever loses the lake to another host, it stops changing it.
                var fenced = new FencedObjectStore(store);
                var app = LocalDurableHost.BuildWebApplication(
                    options, fenced, new PipelineActivities(definition, fenced, SourceSteps.All), warehouse, configureLogging: logging => logging.AddSimpleConsole(o =>
                    {
                        o.SingleLine = true;
                        o.TimestampFormat = "HH:mm:ss ";
                    }).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning));
                await using (app.ConfigureAwait(false))
                {
                    await app.StartAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var url in LocalDurableHost.BoundUrls(app))
                    {
                        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                            $"etl serve: pipeline '{definition.Name}' on {store.Description}, listening on {url}. Start a run: curl -X POST {url}/api/start. Ctrl+C stops.")).ConfigureAwait(false);
                    }

                    try
                    {
                        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Ctrl+C or SIGTERM: stop gracefully below.
                    }

                    await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }

                return ExitCodes.Success;
            }
            catch (EtlException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }
        });
        return command;
    }
}
