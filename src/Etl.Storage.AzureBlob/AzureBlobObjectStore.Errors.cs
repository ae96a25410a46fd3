using Azure;
using Azure.Identity;
using Azure.Storage.Blobs.Models;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// How SDK failures become the contract's exceptions. Every message names the store, the key and the operation; none
/// carries a secret (the SDK's own message, kept as the inner exception, is never copied into ours: its URI may hold a SAS).
/// </summary>
public sealed partial class AzureBlobObjectStore
{
    /// <summary>Runs one SDK call, translating its failures for <paramref name="operation"/> on <paramref name="key"/>.</summary>
    internal async Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, WriteCondition condition = default)
    {
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsServiceFailure(ex, cancellationToken))
        {
            throw Fail(ex, operation, key, condition);
        }
    }

    /// <summary>True for what the SDK throws when a request fails; false for the caller's own cancellation and for bugs.</summary>
    internal static bool IsServiceFailure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        RequestFailedException or AggregateException or HttpRequestException or IOException or TimeoutException or AuthenticationFailedException => true,
        InvalidDataException => true, // a transactional checksum that did not match
        _ => false,
    };

    internal StorageException Fail(Exception ex, string operation, string key, WriteCondition condition = default)
    {
        var where = key.Length == 0 ? Description : $"{Description}/{key}";
        switch (ex)
        {
            case RequestFailedException rfe:
                return Fail(rfe, where, operation, key, condition);
            case CredentialUnavailableException or AuthenticationFailedException:
                // Azure.Identity's messages list the credentials it tried and why each failed; they hold no secret.
                return new StorageException(
                    $"{where}: {operation} failed: no Entra ID token ({ex.Message}). Sign in (az login) or give the process a managed identity, or use an account key or SAS.",
                    key,
                    ex);
            case InvalidDataException:
                // The SDK's transactional checksum check: the bytes that arrived are not the bytes the service sent.
                return new StorageException(
                    $"{where}: {operation} failed: the bytes received did not match their {TransferChecksum} checksum (corrupted in transit); nothing was accepted. Try again.",
                    key,
                    ex,
                    isTransient: true);
            case AggregateException aggregate:
                // Azure.Core's retry policy reports a failure of every try (connection refused, reset, timeout) as one AggregateException.
                var last = aggregate.InnerExceptions.Count > 0 ? aggregate.InnerExceptions[^1] : aggregate;
                return new StorageException(
                    $"{where}: {operation} failed after {aggregate.InnerExceptions.Count} tries: {last.Message} Check that the endpoint is reachable.", key, ex, isTransient: true);
            default:
                return new StorageException(
                    $"{where}: {operation} failed after retries: {ex.Message} Check that the endpoint is reachable.", key, ex, isTransient: true);
        }
    }

    private static bool IsTransient(int status) => status is 408 or 429 or >= 500;

    private StorageException Fail(RequestFailedException ex, string where, string operation, string key, WriteCondition condition)
    {
        var code = ex.ErrorCode;
        if (ex.Status == 412 || code == BlobErrorCode.ConditionNotMet.ToString() || code == BlobErrorCode.BlobAlreadyExists.ToString()
            || (ex.Status == 409 && condition.Kind == WriteConditionKind.IfNotExists)
            || (ex.Status == 404 && condition.Kind == WriteConditionKind.IfMatch && code == BlobErrorCode.BlobNotFound.ToString()))
        {
            return new PreconditionFailedException($"{where}: the write condition failed ({operation}): another writer created or changed it first.", key, ex);
        }

        // Azure answers a checksum mismatch with Md5Mismatch or Crc64Mismatch; Azurite with 400 InvalidOperation "Provided contentMD5 doesn't match."
        if (code == BlobErrorCode.Md5Mismatch.ToString() || code == "Crc64Mismatch"
            || (ex.Status == 400 && code == BlobErrorCode.InvalidOperation.ToString() && ex.Message.Contains("MD5", StringComparison.OrdinalIgnoreCase)))
        {
            return new StorageException(
                $"{where}: {operation} failed: the service rejected the bytes because they did not match their {TransferChecksum} checksum (corrupted in transit); nothing was stored. Try again.",
                key,
                ex,
                isTransient: true);
        }

        return ex.Status switch
        {
            404 when code == BlobErrorCode.ContainerNotFound.ToString() => new StorageException(
                $"{Description}: the container does not exist ({operation} {key}). Create it, or fix the lake URI.", key, ex),
            404 => new ObjectNotFoundException($"{where}: not found ({operation}).", key, ex),
            401 or 403 => new StorageException(
                $"{where}: access denied ({operation}: {code ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}, {AuthKind} authorization). Check the account key, the SAS (permissions and expiry) or the identity's role (Storage Blob Data Contributor).",
                key,
                ex),
            _ => new StorageException(
                $"{where}: {operation} failed ({ex.Status} {code}){(IsTransient(ex.Status) ? " after retries; try again later" : "")}.", key, ex, IsTransient(ex.Status)),
        };
    }
}
