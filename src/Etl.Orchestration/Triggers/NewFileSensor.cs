using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Etl.Orchestration.Triggers;

/// <summary>Polls landing/ every interval and starts a run when Discover finds files to process.</summary>
public sealed class NewFileSensor(RunTrigger trigger, TimeSpan interval, TimeProvider time, ILogger<NewFileSensor> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                try
                {
                    await trigger.StartIfNewAsync("sensor", null, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    Log.TriggerFailed(logger, "sensor", ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }
}
