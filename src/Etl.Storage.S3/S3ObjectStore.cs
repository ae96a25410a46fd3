using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Etl.Storage.S3;

/// <summary>
/// The S3 adapter (AWS, or any S3-compatible store through <see cref="S3StorageOptions.ServiceUrl"/>): keys live under
/// <c>s3://bucket/prefix/</c>. Writes of unknown length go up as one PUT when small and as a multipart upload otherwise,
/// published by CompleteMultipartUpload, so nothing is visible before commit. Conditional writes use S3's
/// <c>If-None-Match: *</c> and <c>If-Match</c>; the lease is a lock object written with them.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IAbandonedWriteSweeper, IDisposable
{
    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;

    /// <summary>Creates the store over <paramref name="bucket"/>/<paramref name="prefix"/> with its own client.</summary>
    public S3ObjectStore(string bucket, string prefix, S3StorageOptions options)
        : this(CreateClient(options ?? throw new ArgumentNullException(nameof(options))), bucket, prefix, options, ownsClient: true)
    {
    }

    /// <summary>Creates the store with a client the caller owns (tests, custom configuration).</summary>
    public S3ObjectStore(IAmazonS3 client, string bucket, string prefix, S3StorageOptions options, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _ownsClient = ownsClient;
        Bucket = bucket;
        Prefix = string.IsNullOrEmpty(prefix) ? "" : ObjectKey.ValidatePrefix(prefix.Trim('/')) + "/";
        Options = options;
        if (options.PartSizeBytes < 5 << 20)
        {
            throw new StorageException($"S3 part size {options.PartSizeBytes:N0} bytes is below S3's minimum of 5 MiB; raise PartSizeBytes.");
        }
    }

    /// <summary>The bucket.</summary>
    public string Bucket { get; }

    /// <summary>The key prefix inside the bucket ("" or ending in '/').</summary>
    public string Prefix { get; }

    internal S3StorageOptions Options { get; }

    internal IAmazonS3 Client => _client;

    /// <inheritdoc />
    public string Description => Prefix.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Prefix.TrimEnd('/')}";

    /// <summary>The client configuration the adapter uses: checksums only when required (S3-compatible stores such as s3rver keep aws-chunked framing otherwise), SDK retries with backoff and jitter.</summary>
    public static IAmazonS3 CreateClient(S3StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var serviceUrl = options.ServiceUrl ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        var region = options.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "us-east-1";
        var config = new AmazonS3Config
        {
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxRetries,
            Timeout = options.RequestTimeout,
        };
        if (!string.IsNullOrEmpty(serviceUrl))
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region;
            config.ForcePathStyle = options.ForcePathStyle ?? true;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
            config.ForcePathStyle = options.ForcePathStyle ?? false;
        }

        return options.AccessKeyId is { Length: > 0 } id && options.SecretAccessKey is { Length: > 0 } secret
            ? new AmazonS3Client(new BasicAWSCredentials(id, secret), config)
            : new AmazonS3Client(config);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = Prefix + prefix, MaxKeys = 1000 };
        while (true)
        {
            var response = await CallAsync("list", prefix, () => _client.ListObjectsV2Async(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            foreach (var o in response.S3Objects ?? [])
            {
                yield return new ObjectInfo(o.Key[Prefix.Length..], o.Size ?? 0, Unquote(o.ETag), ToUtc(o.LastModified));
            }

            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    /// <inheritdoc />
    public async Task<ObjectInfo?> GetInfoAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        try
        {
            var response = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = Prefix + key }, cancellationToken).ConfigureAwait(false);
            return new ObjectInfo(key, response.ContentLength, Unquote(response.ETag), ToUtc(response.LastModified));
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsNotFound(ex))
        {
            return null;
        }
        catch (Exception ex) when (IsFailure(ex, cancellationToken))
        {
            throw S3Errors.Map(ex, Description, "read info of", key);
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, ByteRange? range = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        var request = new GetObjectRequest { BucketName = Bucket, Key = Prefix + key };
        if (range is { } r)
        {
            request.ByteRange = r.Length is { } length
                ? new Amazon.S3.Model.ByteRange(r.Offset, r.Offset + length - 1)
                : new Amazon.S3.Model.ByteRange($"bytes={r.Offset}-");
        }

        var response = await CallAsync("read", key, () => _client.GetObjectAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new ResponseStream(response);
    }

    /// <inheritdoc />
    public Task<ObjectWriteStream> OpenWriteAsync(string key, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return Task.FromResult<ObjectWriteStream>(new S3WriteStream(this, key, condition));
    }

    /// <inheritdoc />
    public async Task<string> PutAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return await PutBytesAsync(key, content, condition, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);

        // S3 answers 204 whether or not the key existed; ask first so the result means something.
        if (await GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await CallAsync("delete", key, () => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = Prefix + key }, cancellationToken), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task CopyAsync(string sourceKey, string destinationKey, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(sourceKey);
        ObjectKey.Validate(destinationKey);
        var info = await GetInfoAsync(sourceKey, cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException($"{Description}/{sourceKey}: not found (copy to {destinationKey}).", sourceKey);
        if (info.Size <= 5L << 30)
        {
            await CallAsync("copy", sourceKey, () => _client.CopyObjectAsync(
                new CopyObjectRequest { SourceBucket = Bucket, SourceKey = Prefix + sourceKey, DestinationBucket = Bucket, DestinationKey = Prefix + destinationKey },
                cancellationToken), cancellationToken).ConfigureAwait(false);
            return;
        }

        // Past 5 GiB a single CopyObject is refused: stream it through a multipart upload.
        var source = await OpenReadAsync(sourceKey, null, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var target = await OpenWriteAsync(destinationKey, WriteCondition.None, cancellationToken).ConfigureAwait(false);
            await using (target.ConfigureAwait(false))
            {
                await source.CopyToAsync(target, 1 << 20, cancellationToken).ConfigureAwait(false);
                await target.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public Task<IObjectLease?> TryAcquireLeaseAsync(string key, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        return S3Lease.TryAcquireAsync(this, key, duration, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> SweepAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
    {
        // Incomplete multipart uploads of a killed writer are invisible to readers but stored (and billed) until aborted.
        var removed = 0;
        var request = new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = Prefix };
        while (true)
        {
            ListMultipartUploadsResponse page;
            try
            {
                page = await _client.ListMultipartUploadsAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode is System.Net.HttpStatusCode.NotImplemented or System.Net.HttpStatusCode.MethodNotAllowed)
            {
                // Some S3-compatible stores (s3rver) do not list uploads; a lifecycle rule (AbortIncompleteMultipartUpload) covers them.
                return removed;
            }

            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (upload.Initiated is { } initiated && initiated.ToUniversalTime() < startedBefore.UtcDateTime)
                {
                    await CallAsync("abort upload", upload.Key, () => _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = upload.Key, UploadId = upload.UploadId }, cancellationToken), cancellationToken).ConfigureAwait(false);
                    removed++;
                }
            }

            if (page.IsTruncated != true)
            {
                return removed;
            }

            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    internal async Task<string> PutBytesAsync(string key, ReadOnlyMemory<byte> content, WriteCondition condition, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = Bucket,
            Key = Prefix + key,
            InputStream = new ReadOnlyMemoryStream(content),
            UseChunkEncoding = false,
            AutoCloseStream = true,
        };
        ApplyCondition(condition, c => request.IfNoneMatch = c, c => request.IfMatch = c);
        try
        {
            var response = await CallAsync("write", key, () => _client.PutObjectAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
            return Unquote(response.ETag);
        }
        catch (ObjectNotFoundException ex) when (condition.Kind == WriteConditionKind.IfMatch)
        {
            // S3 answers If-Match on a missing key with 404: for the contract that is a failed precondition.
            throw new PreconditionFailedException($"{Description}/{key}: the write condition failed (write): the object no longer exists.", key, ex);
        }
    }

    internal static void ApplyCondition(WriteCondition condition, Action<string> ifNoneMatch, Action<string> ifMatch)
    {
        switch (condition.Kind)
        {
            case WriteConditionKind.IfNotExists:
                ifNoneMatch("*");
                break;
            case WriteConditionKind.IfMatch:
                ifMatch("\"" + condition.ETag!.Trim('"') + "\"");
                break;
        }
    }

    internal async Task<T> CallAsync<T>(string operation, string key, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsFailure(ex, cancellationToken))
        {
            throw S3Errors.Map(ex, Description, operation, key);
        }
    }

    internal static string Unquote(string? etag) => (etag ?? "").Trim('"');

    private static bool IsFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is not StorageException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private static DateTimeOffset ToUtc(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime()) : DateTimeOffset.MinValue;

    /// <summary>The GET body; disposing it disposes the response.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : ReadOnlyWrapperStream(response.ResponseStream)
    {
        public override long Length => response.ContentLength;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A read-only stream over memory, so a PUT body is not copied.</summary>
    internal sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => memory.Length;

        public override long Position
        {
            get => _position;
            set => _position = (int)Math.Clamp(value, 0, memory.Length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => memory.Length + offset,
            };
            return _position;
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
