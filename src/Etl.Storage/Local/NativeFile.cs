using System.Runtime.InteropServices;

namespace Etl.Storage.Local;

/// <summary>
/// Create-only publish. .NET's File.Move(overwrite: false) checks and renames in two steps, so two racing writers can
/// both "win"; POSIX link(2) fails atomically with EEXIST, which gives exactly one winner.
/// </summary>
internal static partial class NativeFile
{
    private const int EEXIST = 17;

    public static bool TryLinkNoReplace(string source, string destination)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            try
            {
                File.Move(source, destination, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(destination))
            {
                return false;
            }
        }

        if (Link(source, destination) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == EEXIST)
        {
            return false;
        }

        throw new IOException($"link('{source}', '{destination}') failed with errno {errno}.");
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);
}
