namespace Etl.Core.Pipeline;

/// <summary>Progress of a run, for a progress display.</summary>
public sealed record RunProgress(int FilesTotal, int FilesDone, int FilesFailed, long RowsRead, long BytesWritten, string? CurrentFile);

/// <summary>
/// Live progress of the activities in one process: files finished (and how many of them not ok) with their rows read,
/// and the rows read so far of files still being processed.
/// </summary>
public sealed record LiveProgress(int FilesFinished, int FilesNotOk, long RowsFinished, long RowsInFlight);
