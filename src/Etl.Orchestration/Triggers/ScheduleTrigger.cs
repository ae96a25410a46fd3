using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NCrontab;

namespace Etl.Orchestration.Triggers;

/// <summary>Starts the pipeline on a 6-field NCrontab schedule (seconds first, UTC), as Functions' TimerTrigger does.</summary>
public sealed class ScheduleTrigger(RunTrigger trigger, string schedule, TimeProvider time, ILogger<ScheduleTrigger> logger) : BackgroundService
{
    private readonly CrontabSchedule _schedule = Parse(schedule);

    /// <summary>Parses a 6-field expression; throws <see cref="EtlException"/> with the fix when it is not one.</summary>
    public static CrontabSchedule Parse(string expression)
    {
        var parsed = CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        return parsed ?? throw new EtlException($"Schedule '{expression}' is not a 6-field NCrontab expression ('second minute hour day month day-of-week', e.g. '0 0 0 * * *' for daily at midnight UTC).");
    }

    /// <summary>The next firing time after <paramref name="now"/> (UTC).</summary>
    public DateTimeOffset NextAfter(DateTimeOffset now) => new(DateTime.SpecifyKind(_schedule.GetNextOccurrence(now.UtcDateTime), DateTimeKind.Utc));

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var delay = NextAfter(now) - now;
            try
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                Log.ScheduleFired(logger, schedule);
                await trigger.StartAsync("schedule", null, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.TriggerFailed(logger, "schedule", ex);
            }
        }
    }
}
