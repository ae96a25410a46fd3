namespace Etl.Storage.AzureBlob;

/// <summary>The transactional checksum on every Blob transfer request (see <see cref="AzureBlobStorageOptions.TransferChecksum"/>).</summary>
public enum BlobTransferChecksum
{
    /// <summary>CRC64 against Azure, MD5 against Azurite (which lacks the CRC64 structured-message encoding).</summary>
    Auto = 0,

    /// <summary>CRC64 in the SDK's structured-message encoding (service version 2025-01-05 and later).</summary>
    Crc64 = 1,

    /// <summary>Content-MD5 on uploads and on ranged downloads of at most 4 MiB.</summary>
    Md5 = 2,

    /// <summary>No transactional checksum (TLS and TCP checks only).</summary>
    None = 3,
}
