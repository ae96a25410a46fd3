namespace Etl.Core.Pipeline;

/// <summary>Progress of a run, for a progress display.</summary>
public sealed record RunProgress(int FilesTotal, int FilesDone, int FilesFailed, long RowsRead, long BytesWritten, string? CurrentFile);
