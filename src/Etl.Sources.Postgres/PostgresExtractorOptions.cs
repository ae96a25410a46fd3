namespace Etl.Sources.Postgres;

/// <summary>Settings of a <see cref="PostgresExtractor"/>.</summary>
public sealed class PostgresExtractorOptions
{
    /// <summary>The clock for schedules and extract ids; the system clock by default.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Test hook: runs after each page of a table is read and written (dataset, page number). Throwing interrupts the extract.</summary>
    internal Func<string, int, ValueTask>? AfterPage { get; init; }

    /// <summary>Test hook: runs after an extract's pending mark is saved and before its file lands (dataset).</summary>
    internal Func<string, ValueTask>? BeforeLand { get; init; }
}
