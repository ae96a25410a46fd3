namespace Etl.Storage.S3;

/// <summary>
/// Settings of the S3 adapter. Anything left null is read from the environment the way the AWS SDKs do:
/// <c>AWS_ENDPOINT_URL_S3</c> or <c>AWS_ENDPOINT_URL</c> (an S3-compatible store such as MinIO or s3rver),
/// <c>AWS_REGION</c> or <c>AWS_DEFAULT_REGION</c>, and credentials from the SDK's default chain (environment, profile,
/// SSO, web identity, container or instance role).
/// </summary>
public sealed class S3StorageOptions
{
    /// <summary>Endpoint of an S3-compatible store (e.g. <c>http://127.0.0.1:9000</c>); null for AWS.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Path-style addressing (<c>host/bucket/key</c>); null: on when <see cref="ServiceUrl"/> is set, off for AWS.</summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>AWS region; null: from the environment, else <c>us-east-1</c>.</summary>
    public string? Region { get; set; }

    /// <summary>Explicit access key id (with <see cref="SecretAccessKey"/>); null: the SDK's default credential chain.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>Explicit secret access key. Never logged or printed.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>Size of one multipart part and the threshold for multipart upload (default 16 MiB; S3's minimum is 5 MiB).</summary>
    public int PartSizeBytes { get; set; } = 16 << 20;

    /// <summary>
    /// The part size doubles after every this many parts (default 1,000), up to 512 MiB, so one upload stays within S3's
    /// 10,000 parts: 16 MiB parts alone would stop at 160 GiB; growing, they reach S3's 5 TiB object limit.
    /// </summary>
    public int PartSizeGrowthEvery { get; set; } = 1_000;

    /// <summary>Parts of one upload in flight at once (default 4): memory per upload is about (this + 1) x part size.</summary>
    public int MaxConcurrentParts { get; set; } = 4;

    /// <summary>Retries of a transient failure (throttling, 5xx, timeouts, connection resets) with backoff and jitter (default 5).</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>Timeout of one HTTP request (default 5 minutes: a part of 16 MiB on a slow link).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
