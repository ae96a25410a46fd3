using Azure.Core;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// Settings of the Azure Blob adapter. Authentication is chosen in this order: a SAS in the lake URL's query string; an
/// account key (<see cref="AccountKey"/>, or in the connection string); a SAS in the connection string; otherwise an
/// Entra ID token from <see cref="Credential"/> (default: <c>DefaultAzureCredential</c>). Null settings are read from
/// <c>AZURE_STORAGE_CONNECTION_STRING</c>, <c>AZURE_STORAGE_ACCOUNT</c> and <c>AZURE_STORAGE_KEY</c>. An Azurite URL
/// (<c>devstoreaccount1</c>) needs nothing: the emulator's well-known key is used.
/// </summary>
public sealed class AzureBlobStorageOptions
{
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

    /// <summary>Size of one staged block, and the threshold for staging blocks instead of one Put Blob (default 8 MiB).</summary>
    public int BlockSizeBytes { get; set; } = 8 << 20;

    /// <summary>Blocks of one upload in flight at once (default 4): memory per upload is about (this + 1) x block size.</summary>
    public int MaxConcurrentBlocks { get; set; } = 4;

    /// <summary>Retries of a transient failure (408, 429, 5xx, timeouts, connection resets) with exponential backoff and jitter (default 5).</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>Timeout of one try of one HTTP request (default 5 minutes).</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Replaces the HTTP transport (tests inject faults with it).</summary>
    public Azure.Core.Pipeline.HttpPipelineTransport? Transport { get; set; }
}
