using System.Text;
using Amazon.S3.Model;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage;
using Etl.Storage.AzureBlob;
using Etl.Storage.Configuration;
using Etl.Storage.S3;
using Etl.Testing;
using Etl.Testing.Storage;

namespace Etl.Cli.Tests;

/// <summary>
/// processed/ as a commit boundary on the cloud stores: a fault while publishing the third of six partitions (on
/// Azurite and on s3rver) leaves no output of that file version in processed/, and processing it again converges.
/// </summary>
public sealed class CloudCommitBoundaryTests : IDisposable
{
    private const string Yaml = """
        pipeline: cloud-boundary
        lake: ./lake
        datasets:
          - name: orders
            match: "landing/orders/*.csv"
            columns:
              - { name: order_id, type: int64, required: true }
              - { name: store_id, type: string }
            partition_by: [store_id]
        """;

    private readonly TempDirectory _dir = new("cli-cloud-boundary");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublishFailsMidFile_OnAzurite_NoOutputOfThatVersionStays()
    {
        var container = $"cb-{Guid.NewGuid():N}"[..20];
        var store = new AzureBlobObjectStore(LakeLocation.Parse($"{TestServices.AzuriteBlobEndpoint}/{container}/lake"), new AzureBlobStorageOptions());
        await store.CreateContainerIfNotExistsAsync(Ct);

        await FaultThenConvergeAsync(store);
    }

    [Fact]
    public async Task PublishFailsMidFile_OnS3rver_NoOutputOfThatVersionStays()
    {
        var bucket = $"cb-{Guid.NewGuid():N}"[..20];
        var options = new S3StorageOptions { ServiceUrl = TestServices.S3Endpoint, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" };
        using (var client = S3ObjectStore.CreateClient(options))
        {
            await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, Ct);
        }

        using var store = new S3ObjectStore(bucket, "lake", options);
        await FaultThenConvergeAsync(store);
    }

    public void Dispose() => _dir.Dispose();

    private async Task FaultThenConvergeAsync(IObjectStore store)
    {
        var yaml = _dir.Combine("pipeline.yaml");
        await File.WriteAllTextAsync(yaml, Yaml, Ct);
        var definition = PipelineDefinitionLoader.Load(yaml);
        var csv = new StringBuilder("order_id,store_id\n");
        for (var i = 0; i < 60; i++)
        {
            csv.Append(i).Append(",s").Append(i % 6).Append('\n');
        }

        await store.PutAsync("landing/orders/a.csv", Encoding.UTF8.GetBytes(csv.ToString()), cancellationToken: Ct);
        var faulty = new FailingCommitStore(store, failOnCommit: 3, key => new StorageException($"injected: 503 Service Unavailable publishing '{key}'", key));
        var activities = new PipelineActivities(definition, faulty);
        var found = await activities.DiscoverAsync(new DiscoverRequest(definition.Name, "r1"), Ct);

        var failed = await activities.ProcessFileAsync(new ProcessFileRequest(definition.Name, "r1", found.PipelineVersion, found.Files.Single()), Ct);

        failed.Status.ShouldBe(FileStatus.Failed);
        failed.Outputs.ShouldBeEmpty();
        faulty.Published.Count.ShouldBe(2, "two partitions were published before the third failed");
        (await ProcessedAsync(store)).ShouldBeEmpty("no output of a version that failed may stay visible");

        var again = await new PipelineActivities(definition, store).ProcessFileAsync(new ProcessFileRequest(definition.Name, "r2", found.PipelineVersion, found.Files.Single()), Ct);
        again.Status.ShouldBe(FileStatus.Succeeded);
        again.RowsWritten.ShouldBe(60);
        (await ProcessedAsync(store)).ShouldBe(again.Outputs.Order(StringComparer.Ordinal).ToList());
    }

    private static async Task<List<string>> ProcessedAsync(IObjectStore store)
    {
        var keys = new List<string>();
        await foreach (var o in store.ListAsync("processed/", Ct))
        {
            keys.Add(o.Key);
        }

        return [.. keys.Order(StringComparer.Ordinal)];
    }
}
