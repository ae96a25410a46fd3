using Etl.Orchestration.Local;

namespace Etl.Orchestration.Hosting;

/// <summary>Settings of the local durable host (<c>etl serve</c>).</summary>
public sealed class LocalDurableHostOptions
{
    /// <summary>Address to bind. Loopback by default; any other address requires <see cref="ApiKey"/>.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Port to bind; 0 picks a free one. Default 7071, as Functions Core Tools.</summary>
    public int Port { get; set; } = 7071;

    /// <summary>
    /// API key every request must carry (header <c>x-functions-key</c> or query <c>code</c>). Optional on loopback,
    /// required on any other address. Never logged.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>6-field NCrontab schedule (seconds first, as Functions' TimerTrigger); empty disables it. Default daily at midnight UTC.</summary>
    public string? Schedule { get; set; } = "0 0 0 * * *";

    /// <summary>How often the new-file sensor polls landing/; <see langword="null"/> disables it. Default 1 minute.</summary>
    public TimeSpan? SensorInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Prefix of the lake root inside the bucket or container that storage events name (e.g. <c>lakes/sales/</c>);
    /// stripped from event keys to get lake keys. Empty when the lake is the bucket root.
    /// </summary>
    public string EventKeyPrefix { get; set; } = string.Empty;

    /// <summary>The run every trigger starts (pipeline name, batch size, parallelism, retry policy, warehouse load).</summary>
    public PipelineRunInput Run { get; set; } = new("pipeline");

    /// <summary>Runtime settings (lease, status save interval).</summary>
    public LocalRuntimeOptions Runtime { get; set; } = new();

    /// <summary>The value of <c>Retry-After</c> on 202 status responses, in seconds. Default 10 (as Durable Functions).</summary>
    public int RetryAfterSeconds { get; set; } = 10;
}
