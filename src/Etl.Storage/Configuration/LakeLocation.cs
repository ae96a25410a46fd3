namespace Etl.Storage.Configuration;

/// <summary>The kinds of lake root a URI can name.</summary>
public enum LakeKind
{
    /// <summary>A local folder.</summary>
    Local = 0,

    /// <summary>An S3 bucket (AWS or S3-compatible).</summary>
    S3 = 1,

    /// <summary>An Azure Blob container (Azure or Azurite).</summary>
    AzureBlob = 2,
}

/// <summary>
/// A parsed lake URI. <see cref="Parse(string)"/> accepts a local path (<c>./lake</c>, <c>/data/lake</c>,
/// <c>file:///data/lake</c>), <c>s3://bucket/prefix</c>, <c>az://container/prefix</c>,
/// <c>https://account.blob.core.windows.net/container/prefix</c> and Azurite-style
/// <c>http://127.0.0.1:10000/devstoreaccount1/container/prefix</c>.
/// </summary>
/// <param name="Kind">Which adapter serves it.</param>
/// <param name="Container">Local: the full root path. S3: the bucket. Blob: the container.</param>
/// <param name="Prefix">Key prefix inside the bucket or container, without leading or trailing '/'; empty for none.</param>
/// <param name="Endpoint">Blob only: the account endpoint taken from the URI (e.g. <c>https://acct.blob.core.windows.net</c>); otherwise null.</param>
/// <param name="AccountName">Blob only: the account name taken from the URI, when it names one.</param>
/// <param name="Query">Query string of an https URI (a SAS token) without '?'; never shown in <see cref="Description"/>.</param>
public sealed record LakeLocation(LakeKind Kind, string Container, string Prefix, Uri? Endpoint = null, string? AccountName = null, string? Query = null)
{
    /// <summary>A description for messages with no secret in it (the query string is dropped).</summary>
    public string Description => Kind switch
    {
        LakeKind.Local => Container,
        LakeKind.S3 => Prefix.Length == 0 ? $"s3://{Container}" : $"s3://{Container}/{Prefix}",
        _ => (Endpoint is null ? "az://" : Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/")
             + (Prefix.Length == 0 ? Container : $"{Container}/{Prefix}"),
    };

    /// <summary>Parses a lake URI; throws <see cref="StorageException"/> with the accepted forms when it is not one.</summary>
    public static LakeLocation Parse(string lakeUri)
    {
        ArgumentNullException.ThrowIfNull(lakeUri);
        var text = lakeUri.Trim();
        if (text.Length == 0)
        {
            throw Bad(lakeUri, "it is empty");
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return new LakeLocation(LakeKind.Local, Path.GetFullPath(text), string.Empty);
        }

        var scheme = text[..schemeEnd].ToLowerInvariant();
        switch (scheme)
        {
            case "file":
                {
                    var uri = new Uri(text);
                    return new LakeLocation(LakeKind.Local, Path.GetFullPath(uri.LocalPath), string.Empty);
                }

            case "s3":
                {
                    var (bucket, prefix) = SplitContainer(text[(schemeEnd + 3)..], lakeUri, "bucket");
                    return new LakeLocation(LakeKind.S3, bucket, prefix);
                }

            case "az":
            case "azure":
                {
                    var (container, prefix) = SplitContainer(text[(schemeEnd + 3)..], lakeUri, "container");
                    return new LakeLocation(LakeKind.AzureBlob, container, prefix);
                }

            case "http":
            case "https":
                return ParseBlobUrl(text, lakeUri);

            default:
                throw Bad(lakeUri, $"the scheme '{scheme}' is not supported");
        }
    }

    private static LakeLocation ParseBlobUrl(string text, string original)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            throw Bad(original, "it is not a well-formed URL");
        }

        var query = uri.Query.Length > 1 ? uri.Query[1..] : null;
        var path = Uri.UnescapeDataString(uri.AbsolutePath).Trim('/');
        var host = uri.Host;
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && host[dot..].StartsWith(".blob.", StringComparison.OrdinalIgnoreCase))
        {
            // https://account.blob.core.windows.net/container/prefix
            var (container, prefix) = SplitContainer(path, original, "container");
            return new LakeLocation(LakeKind.AzureBlob, container, prefix, new Uri(uri.GetLeftPart(UriPartial.Authority)), host[..dot], query);
        }

        // Path-style (Azurite, IP endpoints): http://127.0.0.1:10000/account/container/prefix
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw Bad(original, "a path-style blob URL needs /<account>/<container>[/prefix]");
        }

        var account = path[..slash];
        var (c, p) = SplitContainer(path[(slash + 1)..], original, "container");
        return new LakeLocation(LakeKind.AzureBlob, c, p, new Uri(uri.GetLeftPart(UriPartial.Authority) + "/" + account), account, query);
    }

    private static (string Container, string Prefix) SplitContainer(string rest, string original, string what)
    {
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            rest = rest[..q];
        }

        rest = rest.Trim('/');
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].TrimEnd('/');
        if (container.Length == 0)
        {
            throw Bad(original, $"it names no {what}");
        }

        if (prefix.Length > 0)
        {
            try
            {
                ObjectKey.Validate(prefix);
            }
            catch (InvalidObjectKeyException ex)
            {
                throw Bad(original, $"its prefix is not a safe key path ({ex.Message})");
            }
        }

        return (container, prefix);
    }

    private static StorageException Bad(string uri, string problem)
    {
        // Drop any query string (may hold a SAS token) before printing.
        var q = uri.IndexOf('?', StringComparison.Ordinal);
        var shown = q >= 0 ? uri[..q] + "?<redacted>" : uri;
        return new StorageException(
            $"Invalid lake URI '{shown}': {problem}. Use a local path (./lake, /data/lake), s3://bucket/prefix, az://container/prefix, "
            + "https://<account>.blob.core.windows.net/container/prefix or an Azurite URL http://127.0.0.1:10000/devstoreaccount1/container/prefix.");
    }
}
