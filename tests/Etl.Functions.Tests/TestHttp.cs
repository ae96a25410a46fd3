using System.Net;
using System.Security.Claims;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace Etl.Functions.Tests;

/// <summary>An HTTP request as the Functions worker hands it to a function, for calling HttpStart directly.</summary>
internal sealed class TestHttpRequestData(FunctionContext context, Uri url, string method = "POST") : HttpRequestData(context)
{
    public override Stream Body { get; } = new MemoryStream();

    public override HttpHeadersCollection Headers { get; } = [];

    public override IReadOnlyCollection<IHttpCookie> Cookies { get; } = [];

    public override Uri Url { get; } = url;

    public override IEnumerable<ClaimsIdentity> Identities { get; } = [];

    public override string Method { get; } = method;

    public override HttpResponseData CreateResponse() => new TestHttpResponseData(FunctionContext);
}

/// <summary>The response a function writes.</summary>
internal sealed class TestHttpResponseData(FunctionContext context) : HttpResponseData(context)
{
    public override HttpStatusCode StatusCode { get; set; }

    public override HttpHeadersCollection Headers { get; set; } = [];

    public override Stream Body { get; set; } = new MemoryStream();

    public override HttpCookies Cookies { get; } = new NoCookies();

    public string ReadBody()
    {
        Body.Position = 0;
        return new StreamReader(Body).ReadToEnd();
    }

    private sealed class NoCookies : HttpCookies
    {
        public override void Append(string name, string value)
        {
        }

        public override void Append(IHttpCookie cookie)
        {
        }

        public override IHttpCookie CreateNew() => throw new NotSupportedException();
    }
}
