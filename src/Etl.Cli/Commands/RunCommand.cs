using System.CommandLine;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Orchestration;
using Etl.Orchestration.Local;
using Etl.Storage;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Etl.Cli.Commands;

/// <summary><c>etl run</c>: runs the pipeline in-process to completion and prints a summary.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        // The same --config and --lake as every command on a lake; run loads them itself, to tell a wrong definition
        // (exit 2) from a lake it cannot open.
        var common = new CommonOptions();
        var config = common.Config;
        var lake = common.Lake;
        var json = new Option<bool>("--json") { Description = "Print the run summary as JSON on stdout instead of the table." };
        var retryFailed = new Option<bool>("--retry-failed") { Description = "Also retry files that failed or were quarantined before, even if unchanged." };
        var reprocessAll = new Option<bool>("--reprocess-all") { Description = "Process every landed file again, replacing its output." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say which files a run would process, and why, without writing anything." };
        var parallel = new Option<int?>("--parallel") { Description = "Files processed at once, 1 to 64 (default: options.max_parallel_files, 2)." };
        parallel.Validators.Add(r =>
        {
            // Only a value that parsed is checked here; one that did not already has its own error.
            if (r.Tokens is [var t] && int.TryParse(t.Value, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is < 1 or > 64)
            {
                r.AddError("--parallel must be a whole number from 1 to 64 (files processed at once).");
            }
        });
        var loadWarehouse = new Option<bool>("--load-warehouse")
        {
            Description = "After the commit, load the committed files into the warehouse declared under 'warehouse:' and rebuild its models (connection from its connection_env variable).",
        };

        var command = new Command("run", "Process every landed file whose current version has not been processed yet, then print a summary.")
        {
            config, lake, json, retryFailed, reprocessAll, dryRun, parallel, loadWarehouse,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            PipelineDefinition definition;
            try
            {
                definition = PipelineDefinitionLoader.Load(result.GetValue(config)!);
            }
            catch (PipelineDefinitionException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            var lakeRoot = result.GetValue(lake) is { } l ? LakeStores.Resolve(l) : definition.Lake;
            IObjectStore store;
            try
            {
                store = LakeStores.Open(lakeRoot);
            }
            catch (StorageException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            var asJson = result.GetValue(json);
            var options = new RunOptions(result.GetValue(retryFailed), result.GetValue(reprocessAll), result.GetValue(dryRun), result.GetValue(parallel));
            try
            {
                if (options.DryRun)
                {
                    var (preview, _) = await new PipelineRunner(definition, store).RunAsync(options, null, cancellationToken).ConfigureAwait(false);
                    if (asJson)
                    {
                        await stdout.WriteLineAsync(JsonSerializer.Serialize(preview, EtlJson.Default.DiscoverResult)).ConfigureAwait(false);
                    }
                    else
                    {
                        RunReport.WriteDryRun(stdout, preview);
                    }

                    return ExitCodes.Success;
                }

                IWarehouseLoadActivity? warehouse = null;
                if (result.GetValue(loadWarehouse))
                {
                    if (await WarehouseStep.CreateAsync(result.GetValue(config)!, store, stderr).ConfigureAwait(false) is not { } step)
                    {
                        return ExitCodes.ConfigurationError;
                    }

                    warehouse = step;
                }

                // Warnings and errors of the runtime (a lost lease above all) go to stderr, never to a null logger.
                using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
                var run = new OrchestratedRun(definition, store, warehouse, loggers.CreateLogger("etl.run"));
                var interactive = !asJson && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && !Console.IsErrorRedirected;
                var outcome = interactive
                    ? await RunWithLiveProgressAsync(p => run.RunAsync(options, p, stderr, cancellationToken)).ConfigureAwait(false)
                    : await run.RunAsync(options, asJson ? null : new LineProgress(stderr), stderr, cancellationToken).ConfigureAwait(false);

                // What the run's FetchSources activity did; a failed source makes the run exit 1, after processing what is landed.
                var sourcesOk = await SourceSteps.WriteAsync(outcome.Output?.Sources, stderr).ConfigureAwait(false);
                if (outcome.Summary is not { } summary)
                {
                    var error = outcome.Instance.Output is { ValueKind: JsonValueKind.String } o ? o.GetString() : outcome.Instance.Output?.ToString();
                    await stderr.WriteLineAsync($"Run {outcome.Instance.InstanceId} {outcome.Instance.RuntimeStatus}: {error}").ConfigureAwait(false);
                    await stderr.WriteLineAsync("Nothing of it was committed to the manifest; fix the cause and run etl run again (etl status shows its history).").ConfigureAwait(false);
                    return ExitCodes.Unexpected;
                }

                if (asJson)
                {
                    await stdout.WriteLineAsync(JsonSerializer.Serialize(summary, EtlJson.Default.RunSummary)).ConfigureAwait(false);
                }
                else
                {
                    RunReport.Write(stdout, summary, outcome.Discovered, store.Description);
                }

                await ForgetIfNothingNewAsync(store, outcome, cancellationToken).ConfigureAwait(false);
                if (warehouse is not null && outcome.Output is { } output)
                {
                    if (output.WarehouseError is { } error)
                    {
                        await stderr.WriteLineAsync($"Warehouse load failed (the files are committed; etl warehouse load retries it): {error}").ConfigureAwait(false);
                        return ExitCodes.WarehouseFailed;
                    }

                    if (output.Warehouse is { } w)
                    {
                        var models = w.ModelsRun.Count == 0 ? "no models" : $"models {string.Join(", ", w.ModelsRun)}";
                        await (asJson ? stderr : stdout).WriteLineAsync($"Warehouse: {w.FilesLoaded} file(s) loaded ({w.RowsLoaded:N0} fact rows), {models} rebuilt.").ConfigureAwait(false);
                    }
                }

                if (outcome.Discovered.FailedEarlier > 0)
                {
                    await stderr.WriteLineAsync($"{outcome.Discovered.FailedEarlier} landed file(s) failed in an earlier run and were not retried (their output is not in processed/): etl status shows why; fix the cause and run etl run --retry-failed.").ConfigureAwait(false);
                    return ExitCodes.FilesFailed;
                }

                return summary.FilesQuarantined + summary.FilesFailed > 0 || !sourcesOk ? ExitCodes.FilesFailed : ExitCodes.Success;
            }
            catch (PipelineDefinitionException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }
            catch (LakeLostException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.LakeBusy;
            }
            catch (LakeBusyException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.LakeBusy;
            }
            catch (StorageException ex)
            {
                await stderr.WriteLineAsync($"Storage error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.StorageFault;
            }
            catch (EtlException ex)
            {
                await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.Unexpected;
            }
        });
        return command;
    }

    /// <summary>
    /// A run that found nothing to process (and loaded nothing into the warehouse, and whose sources did not fail) is not kept as a run: a script or
    /// schedule that calls etl run often would otherwise bury the runs that did something in etl status.
    /// </summary>
    private static async Task ForgetIfNothingNewAsync(IObjectStore store, OrchestratedRun.Outcome outcome, CancellationToken cancellationToken)
    {
        if (outcome is { Summary.Files.Count: 0, Output: { FilesTotal: 0, WarehouseError: null } output }
            && output.Sources is null or { Failed: false }
            && (output.Warehouse is null || output.Warehouse.FilesLoaded == 0)
            && outcome.Instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed)
        {
            await new InstanceStore(store).DeleteAsync(outcome.Instance.InstanceId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A live Spectre.Console display (files done/total, rows, throughput) when attached to a terminal.</summary>
    private static async Task<OrchestratedRun.Outcome> RunWithLiveProgressAsync(Func<IProgress<RunProgress>, Task<OrchestratedRun.Outcome>> run)
    {
        OrchestratedRun.Outcome? result = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("discovering...", maxValue: 1);
                var started = DateTime.UtcNow;
                var reporter = new DelegateProgress(p =>
                {
                    task.MaxValue = Math.Max(1, p.FilesTotal);
                    task.Value = p.FilesDone;
                    var seconds = Math.Max(0.001, (DateTime.UtcNow - started).TotalSeconds);
                    task.Description = $"files {p.FilesDone}/{p.FilesTotal} ({p.FilesFailed} not ok)  rows {p.RowsRead:N0}  {p.RowsRead / seconds:N0} rows/s";
                });
                result = await run(reporter).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return result!;
    }

    /// <summary>
    /// Plain log lines (no terminal): one each time more files are done, and one every <see cref="Interval"/> while
    /// rows are being read, so that a long file shows it is moving.
    /// </summary>
    internal sealed class LineProgress(TextWriter writer, TimeProvider? time = null) : IProgress<RunProgress>
    {
        private readonly TimeProvider _time = time ?? TimeProvider.System;
        private int _lastDone = -1;
        private long _lastRows = -1;
        private DateTimeOffset _lastLine;

        /// <summary>How often a line is printed while only the row count moves.</summary>
        public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(10);

        public void Report(RunProgress value)
        {
            lock (writer)
            {
                var now = _time.GetUtcNow();
                var filesMoved = value.FilesDone != _lastDone;
                var rowsMoved = value.RowsRead != _lastRows && now - _lastLine >= Interval;
                if (value.FilesTotal == 0 || !(filesMoved || rowsMoved))
                {
                    return;
                }

                _lastDone = value.FilesDone;
                _lastRows = value.RowsRead;
                _lastLine = now;
                writer.WriteLine($"[{value.FilesDone}/{value.FilesTotal}] files done ({value.FilesFailed} not ok), rows read so far: {value.RowsRead:N0}");
            }
        }
    }

    private sealed class DelegateProgress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }
}
