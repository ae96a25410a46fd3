namespace Etl.Storage;

/// <summary>
/// A store that can remove the leftovers of writes that were never committed or abandoned (a host killed mid-write):
/// temp files locally, incomplete multipart uploads on S3. Readers never see these, but they take space and, locally,
/// sit inside the lake folder. Azure Blob needs no sweep: uncommitted blocks are invisible and the service discards them
/// after seven days.
/// </summary>
public interface IAbandonedWriteSweeper
{
    /// <summary>
    /// Removes leftovers of writes started before <paramref name="startedBefore"/>. Call it only while holding the lake's
    /// lease, so that no live writer of this lake has a write in flight that started before then. Returns how many it removed.
    /// </summary>
    Task<int> SweepAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default);
}
