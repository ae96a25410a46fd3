using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Etl.Storage.Configuration;

namespace Etl.Storage.AzureBlob;

/// <summary>Where a container lives and how requests to it are authorized, resolved once from the lake URI, options and environment.</summary>
internal sealed class BlobConnection
{
    /// <summary>Azurite's documented development account key (public; only valid against the emulator).</summary>
    internal const string DevelopmentAccount = "devstoreaccount1";

    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private BlobConnection(Uri endpoint, string container, string? sas, HttpPipeline pipeline, string auth)
    {
        Endpoint = endpoint;
        Container = container;
        Sas = sas;
        Pipeline = pipeline;
        AuthKind = auth;
    }

    /// <summary>Account endpoint without a trailing slash, e.g. <c>https://acct.blob.core.windows.net</c> or <c>http://127.0.0.1:10000/devstoreaccount1</c>.</summary>
    public Uri Endpoint { get; }

    public string Container { get; }

    /// <summary>SAS query (without '?') appended to every request, or null.</summary>
    public string? Sas { get; }

    public HttpPipeline Pipeline { get; }

    /// <summary>"sas", "shared key" or "entra id", for messages.</summary>
    public string AuthKind { get; }

    public static BlobConnection Create(LakeLocation location, AzureBlobStorageOptions options)
    {
        var settings = ParseConnectionString(options.ConnectionString ?? Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING"));
        var account = location.AccountName ?? options.AccountName ?? settings.GetValueOrDefault("AccountName") ?? Environment.GetEnvironmentVariable("AZURE_STORAGE_ACCOUNT");
        var endpoint = location.Endpoint ?? options.Endpoint ?? (settings.TryGetValue("BlobEndpoint", out var be) ? new Uri(be) : null);
        if (endpoint is null && account is not null)
        {
            var protocol = settings.GetValueOrDefault("DefaultEndpointsProtocol") ?? "https";
            var suffix = settings.GetValueOrDefault("EndpointSuffix") ?? "core.windows.net";
            endpoint = new Uri($"{protocol}://{account}.blob.{suffix}");
        }

        if (endpoint is null || account is null)
        {
            throw new StorageException(
                $"Lake '{location.Description}': no storage account. Use https://<account>.blob.core.windows.net/<container>, or set AZURE_STORAGE_ACCOUNT or AZURE_STORAGE_CONNECTION_STRING.");
        }

        endpoint = new Uri(endpoint.ToString().TrimEnd('/'));
        var sas = location.Query ?? settings.GetValueOrDefault("SharedAccessSignature")?.TrimStart('?');
        var key = options.AccountKey ?? settings.GetValueOrDefault("AccountKey") ?? Environment.GetEnvironmentVariable("AZURE_STORAGE_KEY")
            ?? (account == DevelopmentAccount ? DevelopmentKey : null);

        var clientOptions = new BlobPipelineOptions(options);
        HttpPipelinePolicy auth;
        string kind;
        if (location.Query is not null || (key is null && sas is not null))
        {
            auth = new NoAuthPolicy();
            kind = "sas";
        }
        else if (key is not null)
        {
            byte[] keyBytes;
            try
            {
                keyBytes = Convert.FromBase64String(key);
            }
            catch (FormatException)
            {
                throw new StorageException($"Lake '{location.Description}': the account key is not valid base64. Copy it again from the portal (Access keys).");
            }

            auth = new SharedKeyPolicy(account, keyBytes);
            sas = null;
            kind = "shared key";
        }
        else
        {
            auth = new BearerTokenAuthenticationPolicy(options.Credential ?? new DefaultAzureCredential(), "https://storage.azure.com/.default");
            kind = "entra id";
        }

        var pipeline = HttpPipelineBuilder.Build(clientOptions, [new VersionPolicy()], [auth], new ResponseClassifier());
        return new BlobConnection(endpoint, location.Container, sas, pipeline, kind);
    }

    internal static Dictionary<string, string> ParseConnectionString(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                result[part[..eq]] = part[(eq + 1)..];
            }
        }

        if (result.TryGetValue("UseDevelopmentStorage", out var dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            var proxy = result.GetValueOrDefault("DevelopmentStorageProxyUri")?.TrimEnd('/') ?? "http://127.0.0.1";
            result["AccountName"] = DevelopmentAccount;
            result["AccountKey"] = DevelopmentKey;
            result["BlobEndpoint"] = $"{proxy}:10000/{DevelopmentAccount}";
        }

        return result;
    }

    private sealed class BlobPipelineOptions : ClientOptions
    {
        public BlobPipelineOptions(AzureBlobStorageOptions options)
        {
            Retry.Mode = RetryMode.Exponential;
            Retry.MaxRetries = options.MaxRetries;
            Retry.Delay = TimeSpan.FromMilliseconds(200);
            Retry.MaxDelay = TimeSpan.FromSeconds(30);
            Retry.NetworkTimeout = options.NetworkTimeout;
            Diagnostics.IsLoggingContentEnabled = false;
            Diagnostics.ApplicationId = "etl";
            if (options.Transport is not null)
            {
                Transport = options.Transport;
            }
        }
    }

    private sealed class VersionPolicy : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => message.Request.Headers.SetValue("x-ms-version", "2021-12-02");
    }

    private sealed class NoAuthPolicy : HttpPipelineSynchronousPolicy
    {
    }
}
