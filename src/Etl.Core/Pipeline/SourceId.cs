using System.Security.Cryptography;
using System.Text;

namespace Etl.Core.Pipeline;

/// <summary>
/// The stable id of a landed key: a readable stem plus a hash of the whole key. It names the file's outputs
/// (<c>part-&lt;id&gt;.parquet</c>), so reprocessing a file replaces exactly its own outputs.
/// </summary>
public static class SourceId
{
    /// <summary>Derives the id from the landed key (not its content).</summary>
    public static string For(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-');
        }

        var stem = sb.Length > 48 ? sb.ToString(0, 48) : sb.ToString();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 5));
        return stem + "-" + hash;
    }
}
