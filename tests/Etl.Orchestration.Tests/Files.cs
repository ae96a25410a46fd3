using Etl.Core.Runs;

namespace Etl.Orchestration.Tests;

/// <summary>Test-data builders for work items and results.</summary>
internal static class Files
{
    public static FileWorkItem Item(int i) => new($"landing/sales/f{i:D3}.csv", 100 + i, $"etag-{i}", "sales", $"src{i:D3}", "new");

    public static IReadOnlyList<FileWorkItem> Items(int count) => [.. Enumerable.Range(0, count).Select(Item)];

    public static FileResult Succeeded(FileWorkItem file, long rows = 10) =>
        new(file, FileStatus.Succeeded, rows, rows, 0, new Dictionary<string, long>(), [$"processed/sales/part-{file.SourceId}.parquet"], 1000, 1);

    public static FileResult Quarantined(FileWorkItem file) =>
        new(file, FileStatus.Quarantined, 0, 0, 0, new Dictionary<string, long>(), [], 0, 1, "missing column 'amount'");

    public static FileResult TransientFailure(FileWorkItem file) =>
        new(file, FileStatus.Failed, 0, 0, 0, new Dictionary<string, long>(), [], 0, 1, "throttled", IsTransient: true);

    public static FileResult DataFailure(FileWorkItem file) =>
        new(file, FileStatus.Failed, 0, 0, 0, new Dictionary<string, long>(), [], 0, 1, "bad encoding", IsTransient: false);

    public static RunSummary Summary(CommitRequest request, DateTimeOffset finishedAt) => new(
        request.Pipeline,
        request.RunId,
        request.PipelineVersion,
        request.StartedAt,
        finishedAt,
        request.Results,
        request.Results.Count(r => r.Status == FileStatus.Succeeded),
        request.Results.Count(r => r.Status == FileStatus.Quarantined),
        request.Results.Count(r => r.Status == FileStatus.Failed),
        request.Results.Sum(r => r.RowsRead),
        request.Results.Sum(r => r.RowsWritten),
        request.Results.Sum(r => r.RowsRejected),
        0);
}
