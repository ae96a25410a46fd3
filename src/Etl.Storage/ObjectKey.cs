namespace Etl.Storage;

/// <summary>Validation and helpers for object keys. Every adapter calls <see cref="Validate(string)"/> on every key.</summary>
public static class ObjectKey
{
    /// <summary>
    /// Throws <see cref="InvalidObjectKeyException"/> unless <paramref name="key"/> is a relative forward-slash path with
    /// no empty, <c>.</c> or <c>..</c> segments, no backslash, no NUL or control characters, and no leading slash or drive.
    /// </summary>
    public static string Validate(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var problem = FindProblem(key, allowEmpty: false, allowTrailingSlash: false);
        if (problem is not null)
        {
            throw new InvalidObjectKeyException(
                $"Invalid object key '{Printable(key)}': {problem}. Keys are relative forward-slash paths inside the lake root, e.g. 'landing/partners/acme.csv'.",
                key);
        }

        return key;
    }

    /// <summary>Validates a listing prefix: like a key, but may be empty and may end with '/'.</summary>
    public static string ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var problem = FindProblem(prefix, allowEmpty: true, allowTrailingSlash: true);
        if (problem is not null)
        {
            throw new InvalidObjectKeyException(
                $"Invalid prefix '{Printable(prefix)}': {problem}. Prefixes are relative forward-slash paths inside the lake root.",
                prefix);
        }

        return prefix;
    }

    /// <summary>Joins key segments with '/'.</summary>
    public static string Combine(params ReadOnlySpan<string> parts)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                continue;
            }

            if (sb.Length > 0 && sb[^1] != '/')
            {
                sb.Append('/');
            }

            sb.Append(part.TrimStart('/'));
        }

        return sb.ToString();
    }

    private static string? FindProblem(string key, bool allowEmpty, bool allowTrailingSlash)
    {
        if (key.Length == 0)
        {
            return allowEmpty ? null : "it is empty";
        }

        if (key.Length > 1024)
        {
            return "it is longer than 1024 characters";
        }

        foreach (var c in key)
        {
            if (c == '\0')
            {
                return "it contains a NUL character";
            }

            if (c == '\\')
            {
                return "it contains a backslash (use '/')";
            }

            if (char.IsControl(c))
            {
                return "it contains a control character";
            }
        }

        if (key[0] == '/')
        {
            return "it is absolute (starts with '/')";
        }

        if (key.Length >= 2 && key[1] == ':' && char.IsAsciiLetter(key[0]))
        {
            return "it starts with a drive letter";
        }

        var body = allowTrailingSlash && key.EndsWith('/') ? key[..^1] : key;
        foreach (var segment in body.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "it has an empty path segment ('//' or a trailing '/')";
            }

            if (segment is "." or "..")
            {
                return $"it has a '{segment}' segment that could escape the root";
            }
        }

        return null;
    }

    private static string Printable(string key)
    {
        var sb = new System.Text.StringBuilder(key.Length);
        foreach (var c in key)
        {
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return sb.ToString();
    }
}
