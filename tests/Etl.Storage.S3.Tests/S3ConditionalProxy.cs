using System.Collections.Concurrent;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Etl.Storage.S3.Tests;

/// <summary>
/// A test-only HTTP proxy in front of s3rver. s3rver ignores <c>If-None-Match</c> and <c>If-Match</c>, so the proxy
/// enforces them the way S3 documents: for a PUT, a CompleteMultipartUpload or a DELETE that carries one, it takes a
/// per-key lock, reads the key's current ETag from s3rver, answers 412 PreconditionFailed (or 404 NoSuchKey for
/// If-Match on a missing key) when the condition does not hold, and otherwise forwards the request while still holding
/// the lock, so check and write are atomic as on S3. It also injects faults: 503 SlowDown for the next N requests, or a
/// connection dropped in the middle of the next part upload. It also works around one s3rver bug (copy sources whose key
/// has '/' encoded as %2F are not found).
/// </summary>
internal sealed class S3ConditionalProxy : IAsyncDisposable
{
    private static readonly HashSet<string> s_hopHeaders = new(StringComparer.OrdinalIgnoreCase) { "Transfer-Encoding", "Connection", "Keep-Alive" };
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly HttpClient _forward = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromMinutes(10) };
    private readonly Uri _target;
    private readonly IAmazonS3 _direct;
    private WebApplication? _app;
    private int _failNext;
    private int _dropNextPart;

    private S3ConditionalProxy(Uri target, IAmazonS3 direct)
    {
        _target = target;
        _direct = direct;
    }

    /// <summary>The proxy's endpoint.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Requests the proxy has answered with an injected 503.</summary>
    public int InjectedFailures;

    /// <summary>Requests seen.</summary>
    public int Requests;

    /// <summary>AbortMultipartUpload requests seen.</summary>
    public int Aborts;

    public static async Task<S3ConditionalProxy> StartAsync(string s3Endpoint, IAmazonS3 direct)
    {
        var proxy = new S3ConditionalProxy(new Uri(s3Endpoint), direct);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        app.Run(proxy.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        proxy._app = app;
        proxy.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return proxy;
    }

    /// <summary>The next <paramref name="count"/> requests get 503 SlowDown (S3's throttling answer).</summary>
    public void FailNext(int count) => Volatile.Write(ref _failNext, count);

    /// <summary>The next part upload has its connection dropped after part of its body was read.</summary>
    /// <summary>Body sizes of the part uploads seen, in order of arrival.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<long> PartSizes { get; } = new();

    public void DropNextPartUpload() => Volatile.Write(ref _dropNextPart, 1);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _forward.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref Requests);
        var request = context.Request;
        if (request.Method == "DELETE" && request.Query.ContainsKey("uploadId"))
        {
            Interlocked.Increment(ref Aborts);
        }

        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            Interlocked.Increment(ref InjectedFailures);
            await WriteErrorAsync(context, 503, "SlowDown", "Please reduce your request rate.").ConfigureAwait(false);
            return;
        }

        var isPart = request.Method == "PUT" && request.Query.ContainsKey("partNumber");
        if (isPart)
        {
            PartSizes.Enqueue(request.ContentLength ?? -1);
        }

        if (isPart && Interlocked.Exchange(ref _dropNextPart, 0) == 1)
        {
            var buffer = new byte[64 * 1024];
            _ = await request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            context.Abort();
            return;
        }

        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        var ifMatch = request.Headers.IfMatch.ToString();
        var conditional = (ifNoneMatch.Length > 0 || ifMatch.Length > 0)
            && (request.Method is "PUT" or "DELETE" || (request.Method == "POST" && request.Query.ContainsKey("uploadId")))
            && !isPart;
        if (!conditional)
        {
            await ForwardAsync(context).ConfigureAwait(false);
            return;
        }

        var (bucket, key) = BucketAndKey(request.Path.Value ?? "/");
        var guard = _locks.GetOrAdd(bucket + "/" + key, _ => new SemaphoreSlim(1, 1));
        await guard.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            var current = await CurrentETagAsync(bucket, key).ConfigureAwait(false);
            if (ifNoneMatch == "*" && current is not null)
            {
                await WriteErrorAsync(context, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").ConfigureAwait(false);
                return;
            }

            if (ifMatch.Length > 0)
            {
                if (current is null)
                {
                    await WriteErrorAsync(context, 404, "NoSuchKey", "The specified key does not exist.").ConfigureAwait(false);
                    return;
                }

                if (ifMatch.Trim('"') != current)
                {
                    await WriteErrorAsync(context, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").ConfigureAwait(false);
                    return;
                }
            }

            await ForwardAsync(context).ConfigureAwait(false);
        }
        finally
        {
            guard.Release();
        }
    }

    private async Task<string?> CurrentETagAsync(string bucket, string key)
    {
        try
        {
            var meta = await _direct.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }).ConfigureAwait(false);
            return meta.ETag.Trim('"');
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var uri = new Uri(_target, request.Path.ToUriComponent() + request.QueryString.ToUriComponent());
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            message.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (s_hopHeaders.Contains(name) || name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, values.ToArray()) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        // s3rver decodes x-amz-copy-source with decodeURI, which leaves %2F encoded, so a key with '/' is not found.
        // S3 accepts both forms; s3rver does not verify v4 signatures, so the proxy can normalise the header.
        if (request.Headers.TryGetValue("x-amz-copy-source", out var copySource))
        {
            message.Headers.Remove("x-amz-copy-source");
            message.Headers.TryAddWithoutValidation("x-amz-copy-source", copySource.ToString().Replace("%2F", "/", StringComparison.OrdinalIgnoreCase));
        }

        // The signature covers the Host header: keep the one the client signed.
        message.Headers.Host = request.Host.Value;
        using var response = await _forward.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!s_hopHeaders.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private static (string Bucket, string Key) BucketAndKey(string path)
    {
        var trimmed = Uri.UnescapeDataString(path.TrimStart('/'));
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (trimmed, "") : (trimmed[..slash], trimmed[(slash + 1)..]);
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string code, string message)
    {
        // Drain the body so the client sees the answer rather than a reset.
        await context.Request.Body.CopyToAsync(Stream.Null).ConfigureAwait(false);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>proxy</RequestId></Error>").ConfigureAwait(false);
    }
}
