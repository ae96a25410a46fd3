using System.Collections.Concurrent;
using System.Net;

namespace Etl.Testing;

/// <summary>An HTTP server on a free loopback port; records each request's headers and answers with <see cref="Handle"/>.</summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private int _count;

    /// <summary>Starts listening.</summary>
    public LocalHttpServer()
    {
        Url = $"http://127.0.0.1:{LoopbackPorts.Free()}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    /// <summary>The server's base URL, ending in '/'.</summary>
    public string Url { get; }

    /// <summary>Answers a request; the int is the request's 0-based number.</summary>
    public Func<HttpListenerContext, int, Task> Handle { get; set; } = (_, _) => Task.CompletedTask;

    /// <summary>The requests so far, in order.</summary>
    public List<(string Path, Dictionary<string, string?> Headers)> Requests => [.. _requests];

    private readonly ConcurrentQueue<(string Path, Dictionary<string, string?> Headers)> _requests = new();

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var headers = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in ctx.Request.Headers.AllKeys)
            {
                headers[name!] = ctx.Request.Headers[name];
            }

            _requests.Enqueue((ctx.Request.RawUrl ?? "", headers));
            var n = Interlocked.Increment(ref _count) - 1;
            try
            {
                await Handle(ctx, n);
                ctx.Response.Close();
            }
            catch (Exception)
            {
                // An aborted response (the test's "server stops mid-body") is done with.
            }
        }
    }
}
