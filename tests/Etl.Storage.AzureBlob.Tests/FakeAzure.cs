using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Etl.Storage.AzureBlob.Tests;

/// <summary>Test transports that stand in for Azure where no network reaches it.</summary>
internal static class FakeAzure
{
    /// <summary>Records what was sent and answers 503: what Azure would be asked, without a network.</summary>
    internal sealed class RecordingTransport : HttpPipelineTransport
    {
        private readonly HttpClientTransport _factory = new();

        public List<(string Method, string Query, Dictionary<string, string> Headers)> Requests { get; } = [];

        public override Request CreateRequest() => _factory.CreateRequest();

        public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

        public override ValueTask ProcessAsync(HttpMessage message)
        {
            lock (Requests)
            {
                var headers = message.Request.Headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase);
                Requests.Add((message.Request.Method.Method, message.Request.Uri.Query, headers));
            }

            message.Response = new CannedResponse(503, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), []);
            return ValueTask.CompletedTask;
        }
    }

    internal sealed class CannedResponse(int status, Dictionary<string, string> headers, byte[] body) : Response
    {
        public override int Status => status;

        public override string ReasonPhrase => "Server Busy";

        public override Stream? ContentStream { get; set; } = new MemoryStream(body);

        public override string ClientRequestId { get; set; } = "";

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => headers.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => headers.Select(h => new HttpHeader(h.Key, h.Value));

        protected override bool TryGetHeader(string name, out string value) => headers.TryGetValue(name, out value!);

        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            var found = headers.TryGetValue(name, out var value);
            values = found ? [value!] : [];
            return found;
        }
    }
}
