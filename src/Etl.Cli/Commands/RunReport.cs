using System.Globalization;
using Etl.Core.Runs;

namespace Etl.Cli.Commands;

/// <summary>Renders a run summary as a plain-text table (stable for logs and scripts).</summary>
internal static class RunReport
{
    public static void Write(TextWriter w, RunSummary s, DiscoverResult discovered, string lake)
    {
        if (s.Files.Count == 0)
        {
            w.WriteLine($"Nothing new: {discovered.UpToDate} landed file(s) are up to date at pipeline version {s.PipelineVersion} (processed, or quarantined and unchanged: --retry-failed tries those again).");
            WriteUnmatched(w, discovered);
            return;
        }

        w.WriteLine();
        w.WriteLine($"{"status",-12} {"read",10} {"written",10} {"rejected",9} {"filtered",9} {"outputs",8} {"bytes",12}  file");
        foreach (var f in s.Files.OrderBy(f => f.File.Key, StringComparer.Ordinal))
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{f.Status,-12} {f.RowsRead,10:N0} {f.RowsWritten,10:N0} {f.RowsRejected,9:N0} {f.RowsFiltered.Values.Sum(),9:N0} {f.Outputs.Count,8} {f.BytesWritten,12:N0}  {f.File.Key}"));
            if (f.Error is not null)
            {
                w.WriteLine($"{"",-12} {f.Error}");
            }

            foreach (var warning in f.Warnings ?? [])
            {
                w.WriteLine($"{"",-12} warning: {warning}");
            }
        }

        w.WriteLine();
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run {s.RunId}: {s.Files.Count} file(s): {s.FilesSucceeded} succeeded, {s.FilesQuarantined} quarantined, {s.FilesFailed} failed; rows read {s.RowsRead:N0} = written {s.RowsWritten:N0} + rejected {s.RowsRejected:N0} + filtered {s.RowsFiltered:N0}; {(s.FinishedAt - s.StartedAt).TotalSeconds:F1} s"));
        WriteCounts(w, "filtered:", s.Files.Select(f => f.RowsFiltered));
        WriteCounts(w, "noted:   ", s.Files.Select(f => f.Notes));
        w.WriteLine($"output:     {lake}/processed");
        if (s.RowsRejected > 0)
        {
            w.WriteLine($"rejects:    {lake}/rejects");
        }

        if (s.FilesQuarantined > 0)
        {
            w.WriteLine($"quarantine: {lake}/quarantine (each file has a .error.json saying why and what to do)");
        }

        WriteUnmatched(w, discovered);
    }

    public static void WriteDryRun(TextWriter w, DiscoverResult d)
    {
        w.WriteLine($"Dry run at pipeline version {d.PipelineVersion}: {d.Files.Count} file(s) would be processed, {d.UpToDate} are up to date.");
        foreach (var f in d.Files)
        {
            w.WriteLine($"  {f.Reason,-18} {f.Key,-60} -> {f.Dataset}");
        }

        if (d.Deferred > 0)
        {
            w.WriteLine($"  and {d.Deferred} more file(s) in later rounds of the same run: files that share a late-rows key run one per round, in order.");
        }

        WriteUnmatched(w, d);
    }

    /// <summary>One line of counts by name over all files, e.g. <c>filtered: late 2</c>; nothing when there are none.</summary>
    private static void WriteCounts(TextWriter w, string label, IEnumerable<IReadOnlyDictionary<string, long>?> perFile)
    {
        var totals = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var counts in perFile)
        {
            foreach (var (name, n) in counts ?? new Dictionary<string, long>())
            {
                totals[name] = totals.GetValueOrDefault(name) + n;
            }
        }

        if (totals.Count > 0)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}  {string.Join("; ", totals.Select(t => $"{t.Key} {t.Value:N0}"))}"));
        }
    }

    private static void WriteUnmatched(TextWriter w, DiscoverResult d)
    {
        if (d.Unmatched.Count > 0)
        {
            w.WriteLine($"{d.Unmatched.Count} landed file(s) match no dataset and were left alone, e.g. {d.Unmatched[0]}");
        }
    }
}
