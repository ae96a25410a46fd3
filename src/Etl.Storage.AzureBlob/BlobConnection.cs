using Azure.Core;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Etl.Storage.Configuration;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// Where a container lives and how requests to it are authorized, resolved once from the lake URI, options and
/// environment into an Azure.Storage.Blobs container client (its pipeline: the pinned service version, retries, transactional checksums).
/// </summary>
internal sealed class BlobConnection
{
    /// <summary>Azurite's documented development account key (public; only valid against the emulator).</summary>
    internal const string DevelopmentAccount = "devstoreaccount1";

    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private BlobConnection(BlobContainerClient container, string auth, StorageChecksumAlgorithm checksum)
    {
        Container = container;
        AuthKind = auth;
        Checksum = checksum;
    }

    public BlobContainerClient Container { get; }

    /// <summary>"sas", "shared key" or "entra id", for messages.</summary>
    public string AuthKind { get; }

    /// <summary>The transactional checksum in use (Auto resolved): StorageCrc64, MD5 or None.</summary>
    public StorageChecksumAlgorithm Checksum { get; }

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

        var containerUri = new Uri(endpoint.ToString().TrimEnd('/') + "/" + Uri.EscapeDataString(location.Container));
        var sas = location.Query ?? settings.GetValueOrDefault("SharedAccessSignature")?.TrimStart('?');
        var key = options.AccountKey ?? settings.GetValueOrDefault("AccountKey") ?? Environment.GetEnvironmentVariable("AZURE_STORAGE_KEY")
            ?? (account == DevelopmentAccount ? DevelopmentKey : null);
        var emulator = account == DevelopmentAccount || endpoint.IsLoopback;
        var checksum = options.TransferChecksum switch
        {
            // Azurite stores the SDK's CRC64 structured-message framing as data and then fails the request, so it gets MD5.
            BlobTransferChecksum.Auto => emulator ? StorageChecksumAlgorithm.MD5 : StorageChecksumAlgorithm.StorageCrc64,
            BlobTransferChecksum.Crc64 => StorageChecksumAlgorithm.StorageCrc64,
            BlobTransferChecksum.Md5 => StorageChecksumAlgorithm.MD5,
            _ => StorageChecksumAlgorithm.None,
        };
        var clientOptions = ClientOptions(options, checksum);

        if (location.Query is not null || (key is null && sas is not null))
        {
            var withSas = new UriBuilder(containerUri) { Query = sas }.Uri;
            return new BlobConnection(new BlobContainerClient(withSas, clientOptions), "sas", checksum);
        }

        if (key is not null)
        {
            try
            {
                _ = Convert.FromBase64String(key);
            }
            catch (FormatException)
            {
                throw new StorageException($"Lake '{location.Description}': the account key is not valid base64. Copy it again from the portal (Access keys).");
            }

            return new BlobConnection(new BlobContainerClient(containerUri, new StorageSharedKeyCredential(account, key), clientOptions), "shared key", checksum);
        }

        if (containerUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new StorageException(
                $"Lake '{location.Description}': Entra ID authorization needs an https endpoint. Use https, or give an account key or SAS (AZURE_STORAGE_CONNECTION_STRING).");
        }

        var credential = options.Credential ?? new DefaultAzureCredential();
        return new BlobConnection(new BlobContainerClient(containerUri, credential, clientOptions), "entra id", checksum);
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

    private static BlobClientOptions ClientOptions(AzureBlobStorageOptions options, StorageChecksumAlgorithm checksum)
    {
        var result = new BlobClientOptions(options.ServiceVersion);
        result.Retry.Mode = RetryMode.Exponential;
        result.Retry.MaxRetries = options.MaxRetries;
        result.Retry.Delay = options.RetryDelay;
        result.Retry.MaxDelay = options.MaxRetryDelay;
        result.Retry.NetworkTimeout = options.NetworkTimeout;
        result.Diagnostics.IsLoggingContentEnabled = false;
        result.Diagnostics.ApplicationId = "etl";
        result.TransferValidation.Upload.ChecksumAlgorithm = checksum;
        result.TransferValidation.Download.ChecksumAlgorithm = checksum;
        result.TransferValidation.Download.AutoValidateChecksum = true;
        if (options.Transport is not null)
        {
            result.Transport = options.Transport;
        }

        return result;
    }
}
