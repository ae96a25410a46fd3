using Azure.Core;
using Azure.Storage.Blobs;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// Settings of the Azure Blob adapter (built on Azure.Storage.Blobs). Authentication is chosen in this order: a SAS in
/// the lake URL's query string; an account key (<see cref="AccountKey"/>, or in the connection string); a SAS in the
/// connection string; otherwise an Entra ID token from <see cref="Credential"/> (default: <c>DefaultAzureCredential</c>).
/// Null settings are read from <c>AZURE_STORAGE_CONNECTION_STRING</c>, <c>AZURE_STORAGE_ACCOUNT</c> and
/// <c>AZURE_STORAGE_KEY</c>. An Azurite URL (<c>devstoreaccount1</c>) needs nothing: the emulator's well-known key is used.
/// </summary>
public sealed class AzureBlobStorageOptions
{
    /// <summary>
    /// The Blob service version the adapter speaks. Pinned rather than the SDK's newest so that Azurite (3.35 accepts up
    /// to 2025-11-05, 3.37 up to 2026-06-06) accepts every request without <c>--skipApiVersionCheck</c>; Azure accepts it too.
    /// </summary>
    public const BlobClientOptions.ServiceVersion DefaultServiceVersion = BlobClientOptions.ServiceVersion.V2025_11_05;

    /// <summary>A storage connection string (<c>UseDevelopmentStorage=true</c>, or <c>AccountName=...;AccountKey=...;...</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Account name for <c>az://container/prefix</c> lake URIs.</summary>
    public string? AccountName { get; set; }

    /// <summary>Account key (base64). Never logged or printed.</summary>
    public string? AccountKey { get; set; }

    /// <summary>Blob endpoint, e.g. <c>https://acct.blob.core.windows.net</c>; null: from the URL, the connection string or the account name.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Entra ID credential used when there is no key or SAS (default: <c>DefaultAzureCredential</c>).</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>The Blob service version sent as <c>x-ms-version</c> (default <see cref="DefaultServiceVersion"/>).</summary>
    public BlobClientOptions.ServiceVersion ServiceVersion { get; set; } = DefaultServiceVersion;

    /// <summary>
    /// Transactional checksum on every upload request (checked by the service before it stores the bytes) and on every
    /// download response (checked by the SDK before the bytes reach the reader). <see cref="BlobTransferChecksum.Auto"/>
    /// (default) means CRC64 against Azure and MD5 against Azurite, which does not implement the CRC64 structured-message
    /// encoding the SDK uses. <see cref="BlobTransferChecksum.None"/> turns the checks off.
    /// </summary>
    public BlobTransferChecksum TransferChecksum { get; set; } = BlobTransferChecksum.Auto;

    /// <summary>Size of one staged block, and the threshold for staging blocks instead of one Put Blob (default 8 MiB).</summary>
    public int BlockSizeBytes { get; set; } = 8 << 20;

    /// <summary>Blocks of one upload in flight at once (default 4): memory per upload is about (this + 1) x block size.</summary>
    public int MaxConcurrentBlocks { get; set; } = 4;

    /// <summary>
    /// Bytes fetched by one ranged GET of a streaming read (default 4 MiB, the most the service returns an MD5 for);
    /// memory per open read is about (<see cref="ReadAheadChunks"/> + 1) x this.
    /// </summary>
    public int ReadChunkBytes { get; set; } = 4 << 20;

    /// <summary>Ranged GETs of one streaming read fetched ahead of the reader, in parallel (default 2; 0 reads one chunk at a time).</summary>
    public int ReadAheadChunks { get; set; } = 2;

    /// <summary>Retries of a transient failure (408, 429, 5xx, timeouts, connection resets) with exponential backoff and jitter (default 5).</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>First retry delay; each further retry doubles it, with jitter, up to <see cref="MaxRetryDelay"/> (default 200 ms).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest delay between two retries (default 30 s).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one try of one HTTP request (default 5 minutes).</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Replaces the HTTP transport (tests inject faults with it).</summary>
    public Azure.Core.Pipeline.HttpPipelineTransport? Transport { get; set; }
}
