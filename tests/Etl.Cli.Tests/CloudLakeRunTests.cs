using System.Text.Json;
using Amazon.S3.Model;
using Etl.Storage;
using Etl.Storage.AzureBlob;
using Etl.Storage.Configuration;
using Etl.Storage.Local;
using Etl.Storage.S3;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>
/// `etl run` unchanged against Azurite and s3rver: the same landed files give byte-identical Parquet to the run on a
/// local folder, and the same counts.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class CloudLakeRunTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-cloud");

    [Theory]
    [InlineData("store-sales", 0)]
    [InlineData("partner-sales", 1)]
    public async Task Run_OnAzurite_SameParquetBytesAsLocal(string sample, int exit)
    {
        var container = $"cli-{Guid.NewGuid():N}"[..20];
        var uri = $"{TestServices.AzuriteBlobEndpoint}/{container}/lake";
        var store = new AzureBlobObjectStore(LakeLocation.Parse(uri), new AzureBlobStorageOptions());
        await store.CreateContainerIfNotExistsAsync(TestContext.Current.CancellationToken);

        await RunAndCompareAsync(sample, exit, uri, store);
    }

    [Fact]
    public async Task Run_OnS3rver_SameParquetBytesAsLocal()
    {
        var bucket = $"cli-{Guid.NewGuid():N}"[..20];
        var options = new S3StorageOptions { ServiceUrl = TestServices.S3Endpoint, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" };
        using (var client = S3ObjectStore.CreateClient(options))
        {
            await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, TestContext.Current.CancellationToken);
        }

        // The CLI reads S3 settings from the environment, as the AWS SDKs do.
        using var env = new EnvironmentVariables(("AWS_ENDPOINT_URL_S3", TestServices.S3Endpoint), ("AWS_ACCESS_KEY_ID", "S3RVER"), ("AWS_SECRET_ACCESS_KEY", "S3RVER"), ("AWS_REGION", "us-east-1"));
        using var store = new S3ObjectStore(bucket, "lake", options);

        await RunAndCompareAsync("store-sales", 0, $"s3://{bucket}/lake", store);
    }

    public void Dispose() => _dir.Dispose();

    private async Task RunAndCompareAsync(string sample, int exit, string uri, IObjectStore remote)
    {
        var ct = TestContext.Current.CancellationToken;
        var local = _dir.Combine(sample);
        (await Cli.InvokeAsync("init", local, "--template", sample)).Code.ShouldBe(0);
        var lake = Path.Combine(local, "lake");
        foreach (var file in Directory.GetFiles(lake, "*", SearchOption.AllDirectories))
        {
            await remote.PutAsync(Path.GetRelativePath(lake, file).Replace('\\', '/'), await File.ReadAllBytesAsync(file, ct), cancellationToken: ct);
        }

        var config = Path.Combine(local, "pipeline.yaml");
        var cloudRun = await Cli.InvokeAsync("run", "--config", config, "--lake", uri, "--json");
        var localRun = await Cli.InvokeAsync("run", "--config", config, "--json");

        cloudRun.Code.ShouldBe(exit, cloudRun.Stderr);
        localRun.Code.ShouldBe(exit, localRun.Stderr);
        Counts(cloudRun.Stdout).ShouldBe(Counts(localRun.Stdout));
        var localStore = new LocalObjectStore(lake);
        var expected = new List<ObjectInfo>();
        await foreach (var o in localStore.ListAsync("processed/", ct))
        {
            expected.Add(o);
        }

        var actual = new List<ObjectInfo>();
        await foreach (var o in remote.ListAsync("processed/", ct))
        {
            actual.Add(o);
        }

        actual.Select(o => o.Key).ShouldBe(expected.Select(o => o.Key));
        expected.ShouldNotBeEmpty();
        foreach (var o in expected)
        {
            (await ReadAsync(remote, o.Key)).ShouldBe(await ReadAsync(localStore, o.Key), o.Key);
        }
    }

    private static string Counts(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var s = doc.RootElement;
        return string.Join(",", new[] { "filesSucceeded", "filesQuarantined", "filesFailed", "rowsRead", "rowsWritten", "rowsRejected", "rowsFiltered" }.Select(p => s.GetProperty(p).ToString()));
    }

    private static async Task<byte[]> ReadAsync(IObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, null, TestContext.Current.CancellationToken);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, TestContext.Current.CancellationToken);
        return buffer.ToArray();
    }
}
