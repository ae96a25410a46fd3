using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace Etl.Storage.S3;

/// <summary>Turns SDK failures into the storage contract's exceptions, naming store, key and operation and never a secret.</summary>
internal static class S3Errors
{
    public static bool IsNotFound(AmazonS3Exception ex) =>
        ex.ErrorCode != "NoSuchBucket" && (ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode is "NoSuchKey" or "NotFound");

    public static bool IsPreconditionFailed(AmazonS3Exception ex) =>
        ex.StatusCode is HttpStatusCode.PreconditionFailed || ex.ErrorCode is "PreconditionFailed" or "ConditionalRequestConflict";

    public static StorageException Map(Exception ex, string store, string operation, string key)
    {
        switch (ex)
        {
            case AmazonS3Exception s3 when IsNotFound(s3):
                return new ObjectNotFoundException($"{store}/{key}: not found ({operation}).", key, ex);
            case AmazonS3Exception s3 when IsPreconditionFailed(s3):
                return new PreconditionFailedException($"{store}/{key}: the write condition failed ({operation}): another writer created or changed it first.", key, ex);
            case AmazonS3Exception s3 when s3.StatusCode == HttpStatusCode.Forbidden || s3.ErrorCode is "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch":
                return new StorageException(
                    $"{store}/{key}: access denied ({operation}: {s3.ErrorCode}). Check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, an instance role) and that they may {operation} in this bucket.",
                    key, ex);
            case AmazonS3Exception s3 when s3.ErrorCode == "NoSuchBucket":
                return new StorageException($"{store}: the bucket does not exist ({operation} {key}). Create it, or fix the lake URI.", key, ex);
            case AmazonS3Exception s3:
                var transient = (int)s3.StatusCode is 408 or 429 or >= 500 || s3.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError";
                return new StorageException($"{store}/{key}: {operation} failed ({(int)s3.StatusCode} {s3.ErrorCode}){(transient ? " after retries; try again later" : "")}.", key, ex, transient);
            case AmazonServiceException svc:
                return new StorageException($"{store}/{key}: {operation} failed ({(int)svc.StatusCode} {svc.ErrorCode}).", key, ex, (int)svc.StatusCode is 408 or 429 or >= 500);
            case HttpRequestException or IOException or TimeoutException or OperationCanceledException or AmazonClientException:
                return new StorageException($"{store}/{key}: {operation} failed after retries: {ex.Message} Check that the endpoint is reachable.", key, ex, isTransient: true);
            default:
                return new StorageException($"{store}/{key}: {operation} failed: {ex.Message}", key, ex);
        }
    }
}
