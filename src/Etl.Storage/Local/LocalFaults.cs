namespace Etl.Storage.Local;

/// <summary>
/// Turns the file system's failures into <see cref="StorageException"/>s that say which lake, which key, what happened
/// and what to do: a full disk, a read-only or permission-denied folder. Other I/O errors keep their own message.
/// </summary>
internal static class LocalFaults
{
    private const int ENOSPC = 28;
    private const int EROFS = 30;
    private const int WindowsDiskFull = 0x70;
    private const int WindowsHandleDiskFull = 0x27;

    public static bool IsFault(Exception ex) => ex is IOException or UnauthorizedAccessException;

    public static StorageException Map(Exception ex, string root, string key, string operation)
    {
        var code = ex.HResult & 0xFFFF;
        if (ex is IOException && (code is ENOSPC or WindowsDiskFull or WindowsHandleDiskFull))
        {
            return new StorageException(
                $"No space left on the device holding the lake {root} while trying to {operation} '{key}'. Nothing of the file being written was published. "
                + "Free space on that file system (or point --lake at one with room) and run etl run --retry-failed: the files that failed are processed again.",
                key, ex);
        }

        if (ex is UnauthorizedAccessException || (ex is IOException && code == EROFS))
        {
            return new StorageException(
                $"Permission denied in the lake {root}: cannot {operation} '{key}' ({ex.Message}). Nothing of it was published. "
                + "Make the lake folder writable for this user (check ownership, mode and read-only mounts) and run etl run --retry-failed.",
                key, ex);
        }

        return new StorageException($"I/O error in the lake {root} while trying to {operation} '{key}': {ex.Message}", key, ex, isTransient: true);
    }
}
