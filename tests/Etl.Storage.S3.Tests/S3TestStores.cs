using Amazon.S3;
using Amazon.S3.Model;
using Etl.Testing;

namespace Etl.Storage.S3.Tests;

/// <summary>Buckets and stores on the s3rver started by the test setup (eng/services.sh), directly or through the proxy.</summary>
internal static class S3TestStores
{
    private static int s_counter;

    /// <summary>Options for s3rver's well-known credentials at <paramref name="endpoint"/>.</summary>
    public static S3StorageOptions Options(string endpoint, int maxRetries = 5) => new()
    {
        ServiceUrl = endpoint,
        AccessKeyId = "S3RVER",
        SecretAccessKey = "S3RVER",
        PartSizeBytes = 5 << 20,
        MaxRetries = maxRetries,
    };

    /// <summary>A client straight to s3rver.</summary>
    public static IAmazonS3 DirectClient() => S3ObjectStore.CreateClient(Options(TestServices.S3Endpoint));

    /// <summary>Creates a fresh bucket and returns its name.</summary>
    public static async Task<string> NewBucketAsync(IAmazonS3 client)
    {
        var name = $"etl-test-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}-{Guid.NewGuid().ToString("N")[..6]}";
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }
}
