using System.Globalization;
using System.Text;

namespace Etl.Core.Runs;

/// <summary>
/// Run ids name the manifest segments (<c>_meta/manifest/&lt;run id&gt;.jsonl</c>), and the manifest takes a key's
/// latest state from the last segment in name order, so run ids must sort by start time and never repeat, whatever the
/// host's instance ids look like (random GUIDs locally; a fixed singleton id per pipeline on Azure).
/// </summary>
public static class RunIds
{
    /// <summary>
    /// <c>yyyyMMddTHHmmssfffZ-&lt;tag&gt;</c>: the start time (replay-safe in an orchestrator) and up to 12 letters or
    /// digits of <paramref name="instanceId"/>, so two runs started in the same millisecond still differ.
    /// </summary>
    public static string Create(DateTimeOffset startedAt, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var tag = new StringBuilder(12);
        foreach (var c in instanceId)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                tag.Append(char.ToLowerInvariant(c));
                if (tag.Length == 12)
                {
                    break;
                }
            }
        }

        return startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-" + (tag.Length == 0 ? "run" : tag.ToString());
    }
}
