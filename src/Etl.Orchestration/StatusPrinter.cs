using System.Globalization;
using System.Text.Json;
using Etl.Core.Runs;
using Etl.Orchestration.Local;

namespace Etl.Orchestration;

/// <summary>
/// What <c>etl status [id]</c> prints, read from the lake's persisted instances: a table of instances, or one
/// instance's state and its per-file table (from the recorded ProcessFile results).
/// </summary>
public static class StatusPrinter
{
    /// <summary>Writes one line per instance, newest first.</summary>
    public static async Task WriteInstancesAsync(TextWriter output, InstanceStore instances, InstanceQuery? query = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(instances);
        await WriteInstancesAsync(output, await instances.ListAsync(query, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>Writes one line per instance of <paramref name="list"/>, in its order.</summary>
    public static async Task WriteInstancesAsync(TextWriter output, IReadOnlyList<InstanceState> list)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(list);
        if (list.Count == 0)
        {
            await output.WriteLineAsync("No instances.").ConfigureAwait(false);
            return;
        }

        var rows = new List<string[]> { new[] { "INSTANCE", "STATUS", "CREATED (UTC)", "UPDATED (UTC)", "STAGE", "FILES", "FAILED", "ROWS READ" } };
        foreach (var s in list)
        {
            var p = Progress(s);
            rows.Add([s.InstanceId, s.RuntimeStatus.ToString(), Time(s.CreatedTime), Time(s.LastUpdatedTime), p?.Stage ?? "-", p is null ? "-" : $"{p.FilesDone}/{p.FilesTotal}", p?.FilesFailed.ToString(CultureInfo.InvariantCulture) ?? "-", p?.RowsRead.ToString(CultureInfo.InvariantCulture) ?? "-"]);
        }

        await WriteTableAsync(output, rows).ConfigureAwait(false);
    }

    /// <summary>Writes one instance and its per-file table. Returns <see langword="false"/> when there is no such instance.</summary>
    public static async Task<bool> WriteInstanceAsync(TextWriter output, InstanceStore instances, string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(instances);
        var state = await instances.GetAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return false;
        }

        await output.WriteLineAsync($"Instance {state.InstanceId} ({state.Name}): {state.RuntimeStatus}").ConfigureAwait(false);
        await output.WriteLineAsync($"Created {Time(state.CreatedTime)}, updated {Time(state.LastUpdatedTime)}").ConfigureAwait(false);
        if (Progress(state) is { } p)
        {
            await output.WriteLineAsync($"Stage {p.Stage}: {p.FilesDone}/{p.FilesTotal} files done, {p.FilesFailed} failed, {p.RowsRead} rows read, {p.RowsWritten} written").ConfigureAwait(false);
        }

        if (state.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated && state.Output is { ValueKind: JsonValueKind.String } reason)
        {
            await output.WriteLineAsync($"Reason: {reason.GetString()}").ConfigureAwait(false);
        }

        var rows = new List<string[]> { new[] { "FILE", "STATUS", "READ", "WRITTEN", "REJECTED", "ATTEMPTS", "ERROR" } };
        foreach (var e in await instances.GetHistoryAsync(instanceId, cancellationToken).ConfigureAwait(false))
        {
            if (e.Name != ActivityNames.ProcessFile)
            {
                continue;
            }

            var attempts = e.Attempts.ToString(CultureInfo.InvariantCulture);
            if (e.Succeeded && e.Result?.Deserialize<FileResult>(OrchestrationJson.Options) is { } r)
            {
                rows.Add([r.File.Key, r.Status.ToString(), N(r.RowsRead), N(r.RowsWritten), N(r.RowsRejected), attempts, OneLine(r.Error)]);
            }
            else
            {
                var key = e.Input?.Deserialize<ProcessFileRequest>(OrchestrationJson.Options)?.File.Key ?? "?";
                rows.Add([key, nameof(FileStatus.Failed), "0", "0", "0", attempts, OneLine(e.Error)]);
            }
        }

        if (rows.Count == 1)
        {
            await output.WriteLineAsync("No file results recorded yet.").ConfigureAwait(false);
            return true;
        }

        rows.Sort(1, rows.Count - 1, Comparer<string[]>.Create((a, b) => string.CompareOrdinal(a[0], b[0])));
        await output.WriteLineAsync().ConfigureAwait(false);
        await WriteTableAsync(output, rows).ConfigureAwait(false);
        return true;
    }

    private static RunProgressStatus? Progress(InstanceState state)
    {
        try
        {
            return state.CustomStatus is { ValueKind: JsonValueKind.Object } c ? c.Deserialize<RunProgressStatus>(OrchestrationJson.Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string OneLine(string? s) => s is null ? string.Empty : s.ReplaceLineEndings(" ");

    private static async Task WriteTableAsync(TextWriter output, List<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in rows)
        {
            var cells = new string[row.Length];
            for (var i = 0; i < row.Length; i++)
            {
                cells[i] = i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i]);
            }

            await output.WriteLineAsync(string.Join("  ", cells).TrimEnd()).ConfigureAwait(false);
        }
    }
}
