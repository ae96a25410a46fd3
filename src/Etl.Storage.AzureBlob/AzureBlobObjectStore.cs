using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;
using Azure;
using Azure.Core;
using Etl.Storage.Configuration;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// The Azure Blob adapter: a focused client over the Blob REST API on Azure.Core's HTTP pipeline (retries with
/// exponential backoff and jitter, logging without secrets) with Shared Key, SAS or Entra ID authorization. Keys live
/// under <c>container/prefix/</c>. Writes of unknown length stage blocks and commit them with Put Block List, so nothing
/// is visible before commit; conditional writes use <c>If-None-Match: *</c> and <c>If-Match</c>; the lease is a blob
/// lease on a lock blob. Swapping in the official SDK later means changing this project only.
/// </summary>
public sealed class AzureBlobObjectStore : IObjectStore
{
    private readonly BlobConnection _connection;

    /// <summary>Creates the store for a parsed lake location.</summary>
    public AzureBlobObjectStore(LakeLocation location, AzureBlobStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _connection = BlobConnection.Create(location, options);
        Prefix = location.Prefix.Length == 0 ? "" : location.Prefix.Trim('/') + "/";
        Description = location.Description;
        if (options.BlockSizeBytes < 64 << 10)
        {
            throw new StorageException($"Blob block size {options.BlockSizeBytes:N0} bytes is below 64 KiB; raise BlockSizeBytes.");
        }
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>The key prefix inside the container ("" or ending in '/').</summary>
    public string Prefix { get; }

    /// <summary>How requests are authorized: "sas", "shared key" or "entra id".</summary>
    public string AuthKind => _connection.AuthKind;

    internal AzureBlobStorageOptions Options { get; }

    /// <summary>Creates the container when it does not exist (tests, <c>etl init</c> against Azurite).</summary>
    public async Task CreateContainerIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = Message(RequestMethod.Put, ContainerUri("restype=container"));
        var response = await SendAsync(message, "create the container", "", cancellationToken).ConfigureAwait(false);
        if (response.Status is not (201 or 409))
        {
            throw Fail(response, "create the container", "");
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        string? marker = null;
        do
        {
            var query = $"restype=container&comp=list&maxresults=5000&prefix={Uri.EscapeDataString(Prefix + prefix)}"
                + (marker is null ? "" : "&marker=" + Uri.EscapeDataString(marker));
            using var message = Message(RequestMethod.Get, ContainerUri(query));
            var response = await SendAsync(message, "list", prefix, cancellationToken).ConfigureAwait(false);
            if (response.Status != 200)
            {
                throw Fail(response, "list", prefix);
            }

            var (items, next) = ParseList(response.ContentStream!);
            foreach (var item in items)
            {
                yield return item;
            }

            marker = string.IsNullOrEmpty(next) ? null : next;
        }
        while (marker is not null);
    }

    /// <inheritdoc />
    public async Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        using var message = Message(RequestMethod.Head, BlobUri(key));
        var response = await SendAsync(message, "read info of", key, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => Info(key, response),
            404 => null,
            _ => throw Fail(response, "read info of", key),
        };
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        var message = Message(RequestMethod.Get, BlobUri(key));
        message.BufferResponse = false;
        if (range is { } r)
        {
            message.Request.Headers.SetValue("x-ms-range", r.Length is { } n ? $"bytes={r.Offset}-{r.Offset + n - 1}" : $"bytes={r.Offset}-");
        }

        try
        {
            var response = await SendAsync(message, "read", key, cancellationToken).ConfigureAwait(false);
            if (response.Status is not (200 or 206))
            {
                throw response.Status == 404
                    ? new ObjectNotFoundException($"{Description}/{key}: not found (read).", key)
                    : Fail(response, "read", key);
            }

            return new OwningStream(message.ExtractResponseContent() ?? Stream.Null, message);
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public Task<ObjectWriteStream> OpenWriteAsync(string key, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return Task.FromResult<ObjectWriteStream>(new BlobWriteStream(this, key, condition));
    }

    /// <inheritdoc />
    public Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return PutBlobAsync(key, content, condition, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        using var message = Message(RequestMethod.Delete, BlobUri(key));
        var response = await SendAsync(message, "delete", key, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            202 => true,
            404 => false,
            _ => throw Fail(response, "delete", key),
        };
    }

    /// <inheritdoc />
    public async Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(sourceKey);
        ObjectKey.Validate(destinationKey);
        if (await GetInfoAsync(sourceKey, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ObjectNotFoundException($"{Description}/{sourceKey}: not found (copy to {destinationKey}).", sourceKey);
        }

        using var message = Message(RequestMethod.Put, BlobUri(destinationKey));
        message.Request.Headers.SetValue("x-ms-copy-source", BlobUri(sourceKey).ToString());
        var response = await SendAsync(message, "copy", sourceKey, cancellationToken).ConfigureAwait(false);
        if (response.Status != 202)
        {
            throw Fail(response, $"copy to {destinationKey}", sourceKey);
        }

        // Within one account the copy is usually done at once; otherwise wait for it.
        var status = response.Headers.TryGetValue("x-ms-copy-status", out var s) ? s : "success";
        for (var delay = 100; status == "pending"; delay = Math.Min(delay * 2, 5000))
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            using var head = Message(RequestMethod.Head, BlobUri(destinationKey));
            var props = await SendAsync(head, "wait for the copy to", destinationKey, cancellationToken).ConfigureAwait(false);
            status = props.Headers.TryGetValue("x-ms-copy-status", out var p) ? p : "success";
        }

        if (status != "success")
        {
            throw new StorageException($"{Description}/{destinationKey}: copy from {sourceKey} ended '{status}'. Try again.", destinationKey, isTransient: true);
        }
    }

    /// <inheritdoc />
    public Task<IObjectLease?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return BlobLease.TryAcquireAsync(this, key, duration, cancellationToken);
    }

    internal async Task<string> PutBlobAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken)
    {
        using var message = Message(RequestMethod.Put, BlobUri(key));
        message.Request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
        message.Request.Content = RequestContent.Create(content);
        ApplyCondition(message, condition);
        var response = await SendAsync(message, "write", key, cancellationToken).ConfigureAwait(false);
        return response.Status == 201 ? ETagOf(response) : throw Fail(response, "write", key, condition);
    }

    internal async Task PutBlockAsync(string key, string blockId, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var message = Message(RequestMethod.Put, BlobUri(key, $"comp=block&blockid={Uri.EscapeDataString(blockId)}"));
        message.Request.Content = RequestContent.Create(content);
        var response = await SendAsync(message, "stage a block of", key, cancellationToken).ConfigureAwait(false);
        if (response.Status != 201)
        {
            throw Fail(response, "stage a block of", key);
        }
    }

    internal async Task<string> PutBlockListAsync(string key, IReadOnlyList<string> blockIds, WriteCondition condition, CancellationToken cancellationToken)
    {
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in blockIds)
        {
            xml.Append("<Latest>").Append(id).Append("</Latest>");
        }

        xml.Append("</BlockList>");
        using var message = Message(RequestMethod.Put, BlobUri(key, "comp=blocklist"));
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(xml.ToString()));
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        ApplyCondition(message, condition);
        var response = await SendAsync(message, "commit the blocks of", key, cancellationToken).ConfigureAwait(false);
        return response.Status == 201 ? ETagOf(response) : throw Fail(response, "commit the blocks of", key, condition);
    }

    /// <summary>Lease Blob with an action; returns the response (the caller reads the status).</summary>
    internal async Task<Response> LeaseAsync(string key, string action, string? leaseId, string? proposedId, int? durationSeconds, CancellationToken cancellationToken)
    {
        using var message = Message(RequestMethod.Put, BlobUri(key, "comp=lease"));
        message.Request.Headers.SetValue("x-ms-lease-action", action);
        if (leaseId is not null)
        {
            message.Request.Headers.SetValue("x-ms-lease-id", leaseId);
        }

        if (proposedId is not null)
        {
            message.Request.Headers.SetValue("x-ms-proposed-lease-id", proposedId);
        }

        if (durationSeconds is { } d)
        {
            message.Request.Headers.SetValue("x-ms-lease-duration", d.ToString(CultureInfo.InvariantCulture));
        }

        return await SendAsync(message, $"{action} the lease on", key, cancellationToken).ConfigureAwait(false);
    }

    internal StorageException Fail(Response response, string operation, string key, WriteCondition condition = default)
    {
        var code = response.Headers.TryGetValue("x-ms-error-code", out var c) ? c : null;
        if (response.Status == 412 || code is "ConditionNotMet" or "BlobAlreadyExists" || (response.Status == 409 && condition.Kind == WriteConditionKind.IfNotExists)
            || (response.Status == 404 && condition.Kind == WriteConditionKind.IfMatch && code == "BlobNotFound"))
        {
            return new PreconditionFailedException($"{Description}/{key}: the write condition failed ({operation}): another writer created or changed it first.", key);
        }

        return response.Status switch
        {
            404 when code == "ContainerNotFound" => new StorageException($"{Description}: the container does not exist ({operation} {key}). Create it, or fix the lake URI.", key),
            404 => new ObjectNotFoundException($"{Description}/{key}: not found ({operation}).", key),
            403 => new StorageException(
                $"{Description}/{key}: access denied ({operation}: {code ?? "403"}, {_connection.AuthKind} authorization). Check the account key, the SAS (permissions and expiry) or the identity's role (Storage Blob Data Contributor).",
                key),
            _ => new StorageException(
                $"{Description}/{key}: {operation} failed ({response.Status} {code}){(IsTransient(response.Status) ? " after retries; try again later" : "")}.", key, isTransient: IsTransient(response.Status)),
        };
    }

    private static bool IsTransient(int status) => status is 408 or 429 or >= 500;

    private static void ApplyCondition(HttpMessage message, WriteCondition condition)
    {
        switch (condition.Kind)
        {
            case WriteConditionKind.IfNotExists:
                message.Request.Headers.SetValue("If-None-Match", "*");
                break;
            case WriteConditionKind.IfMatch:
                message.Request.Headers.SetValue("If-Match", "\"" + condition.ETag!.Trim('"') + "\"");
                break;
        }
    }

    private static string ETagOf(Response response) => response.Headers.TryGetValue("ETag", out var e) ? e.Trim('"') : "";

    private static ObjectInfo Info(string key, Response response)
    {
        var length = response.Headers.TryGetValue("Content-Length", out var l) ? long.Parse(l, CultureInfo.InvariantCulture) : 0;
        var modified = response.Headers.TryGetValue("Last-Modified", out var m) ? DateTimeOffset.Parse(m, CultureInfo.InvariantCulture) : DateTimeOffset.MinValue;
        return new ObjectInfo(key, length, ETagOf(response), modified.ToUniversalTime());
    }

    private (List<ObjectInfo> Items, string? NextMarker) ParseList(Stream xml)
    {
        var items = new List<ObjectInfo>();
        string? next = null;
        using var reader = XmlReader.Create(xml, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, IgnoreWhitespace = true });
        string? name = null, etag = null, modified = null;
        long size = 0;
        reader.Read();
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.Name is "Name" or "Etag" or "Last-Modified" or "Content-Length" or "NextMarker")
            {
                var element = reader.Name;
                var value = reader.ReadElementContentAsString(); // moves past the element: do not Read() again
                switch (element)
                {
                    case "Name": name = value; break;
                    case "Etag": etag = value; break;
                    case "Last-Modified": modified = value; break;
                    case "Content-Length": size = long.Parse(value, CultureInfo.InvariantCulture); break;
                    default: next = value; break;
                }

                continue;
            }

            if (reader.NodeType == XmlNodeType.EndElement && reader.Name == "Blob" && name is not null)
            {
                var when = modified is null ? DateTimeOffset.MinValue : DateTimeOffset.Parse(modified, CultureInfo.InvariantCulture).ToUniversalTime();
                items.Add(new ObjectInfo(name[Prefix.Length..], size, (etag ?? "").Trim('"'), when));
                name = etag = modified = null;
                size = 0;
            }

            reader.Read();
        }

        return (items, next);
    }

    private HttpMessage Message(RequestMethod method, Uri uri)
    {
        var message = _connection.Pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        return message;
    }

    private Uri ContainerUri(string query) => Build($"/{Uri.EscapeDataString(_connection.Container)}", query);

    private Uri BlobUri(string key, string? query = null)
    {
        var path = new StringBuilder("/").Append(Uri.EscapeDataString(_connection.Container));
        foreach (var segment in (Prefix + key).Split('/'))
        {
            path.Append('/').Append(Uri.EscapeDataString(segment));
        }

        return Build(path.ToString(), query);
    }

    private Uri Build(string path, string? query)
    {
        var q = string.Join('&', new[] { query, _connection.Sas }.Where(p => !string.IsNullOrEmpty(p)));
        return new Uri(_connection.Endpoint + path + (q.Length == 0 ? "" : "?" + q));
    }

    private async Task<Response> SendAsync(HttpMessage message, string operation, string key, CancellationToken cancellationToken)
    {
        try
        {
            await _connection.Pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return message.Response;
        }
        catch (RequestFailedException ex)
        {
            throw new StorageException($"{Description}/{key}: {operation} failed ({ex.Status} {ex.ErrorCode}).", key, ex, IsTransient(ex.Status));
        }
        catch (AggregateException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Azure.Core's retry policy reports a failure of every try (connection refused, reset, timeout) as one AggregateException.
            var last = ex.InnerExceptions.Count > 0 ? ex.InnerExceptions[^1] : ex;
            throw new StorageException(
                $"{Description}/{key}: {operation} failed after {ex.InnerExceptions.Count} tries: {last.Message} Check that the endpoint is reachable.", key, ex, isTransient: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException or Azure.Identity.AuthenticationFailedException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new StorageException(
                $"{Description}/{key}: {operation} failed after retries: {ex.Message} Check that the endpoint is reachable and the credentials are valid.",
                key, ex, isTransient: ex is not Azure.Identity.AuthenticationFailedException);
        }
    }

    /// <summary>A response body that disposes its message when disposed.</summary>
    private sealed class OwningStream(Stream inner, HttpMessage message) : ReadOnlyWrapperStream(inner)
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                message.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
