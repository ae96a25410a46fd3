using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// Signs each try of a request with the account key (Shared Key authorization): the string to sign is the verb, the
/// standard headers, the <c>x-ms-</c> headers in order and the canonicalized resource
/// (<c>/account/path</c> and the query parameters sorted by name).
/// </summary>
internal sealed class SharedKeyPolicy(string accountName, byte[] key) : HttpPipelineSynchronousPolicy
{
    private static readonly string[] s_standardHeaders =
        ["Content-Encoding", "Content-Language", "Content-Length", "Content-MD5", "Content-Type", "Date", "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"];

    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture));
        var sb = new StringBuilder();
        sb.Append(request.Method.Method).Append('\n');
        foreach (var name in s_standardHeaders)
        {
            string? value = null;
            if (name == "Content-Length")
            {
                if (request.Content is not null && request.Content.TryComputeLength(out var length) && length > 0)
                {
                    value = length.ToString(CultureInfo.InvariantCulture);
                }
            }
            else
            {
                request.Headers.TryGetValue(name, out value);
            }

            sb.Append(value).Append('\n');
        }

        var msHeaders = new List<(string Name, string Value)>();
        foreach (var header in request.Headers)
        {
            if (header.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            {
                msHeaders.Add((header.Name.ToLowerInvariant(), header.Value.Trim()));
            }
        }

        msHeaders.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var (name, value) in msHeaders)
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }

        var uri = request.Uri.ToUri();
        sb.Append('/').Append(accountName).Append(uri.AbsolutePath);
        if (uri.Query.Length > 1)
        {
            var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var pair in uri.Query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
                var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
                if (!parameters.TryGetValue(name, out var list))
                {
                    parameters[name] = list = [];
                }

                list.Add(value);
            }

            foreach (var (name, values) in parameters)
            {
                values.Sort(StringComparer.Ordinal);
                sb.Append('\n').Append(name).Append(':').AppendJoin(',', values);
            }
        }

        using var hmac = new HMACSHA256(key);
        var signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(sb.ToString())));
        request.Headers.SetValue("Authorization", $"SharedKey {accountName}:{signature}");
    }
}
