using System.Diagnostics;
using Amazon.S3.Model;
using Etl.Core.Generation;
using Etl.Core.Pipeline;
using Etl.Storage;
using Etl.Storage.AzureBlob;
using Etl.Storage.Configuration;
using Etl.Storage.Local;
using Etl.Storage.S3;
using Etl.Storage.S3.Tests;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>
/// Concurrent `etl run` child processes on one lake in Azurite and in s3rver (behind the proxy that gives s3rver S3's
/// conditional writes): one run processes the files, the others find them done; one manifest record per file; the
/// output is byte-identical to a local run of the same files.
/// </summary>
[Collection(nameof(ChildProcessCollection))]
public sealed class CloudOneWriterTests : IDisposable
{
    private const int Files = 6;
    private const string Yaml = """
        pipeline: cloud-one-writer
        lake: ./lake
        options: { max_parallel_files: 2 }
        datasets:
          - name: sales
            match: "landing/sales/*.csv"
            columns:
              - { name: region, type: string, aliases: ["Region"] }
              - { name: country, type: string, required: true, aliases: ["Country"] }
              - { name: order_id, type: int64, required: true, aliases: ["Order ID"] }
              - { name: total_revenue, type: "decimal(18,2)", aliases: ["Total Revenue"] }
            extra_columns: drop
            partition_by: [region]
        """;

    private readonly TempDirectory _dir = new("cli-cloud-one-writer");
    private readonly List<Process> _processes = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task ConcurrentRuns_OnAzurite_EachFileOnceAndOutputAsLocal(int runs)
    {
        var container = $"ow-{Guid.NewGuid():N}"[..20];
        var uri = $"{TestServices.AzuriteBlobEndpoint}/{container}/lake";
        var store = new AzureBlobObjectStore(LakeLocation.Parse(uri), new AzureBlobStorageOptions());
        await store.CreateContainerIfNotExistsAsync(Ct);

        await RunConcurrentlyAndCheckAsync(runs, uri, store, []);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task ConcurrentRuns_OnS3rver_EachFileOnceAndOutputAsLocal(int runs)
    {
        var bucket = $"ow-{Guid.NewGuid():N}"[..20];
        var options = new S3StorageOptions { ServiceUrl = TestServices.S3Endpoint, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" };
        using var direct = S3ObjectStore.CreateClient(options);
        await direct.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, Ct);
        await using var proxy = await S3ConditionalProxy.StartAsync(TestServices.S3Endpoint, direct);
        using var store = new S3ObjectStore(bucket, "lake", new S3StorageOptions { ServiceUrl = proxy.Endpoint, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" });

        await RunConcurrentlyAndCheckAsync(runs, $"s3://{bucket}/lake", store,
            [("AWS_ENDPOINT_URL_S3", proxy.Endpoint), ("AWS_ACCESS_KEY_ID", "S3RVER"), ("AWS_SECRET_ACCESS_KEY", "S3RVER"), ("AWS_REGION", "us-east-1")]);
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }

            p.Dispose();
        }

        _dir.Dispose();
    }

    private async Task RunConcurrentlyAndCheckAsync(int runs, string uri, IObjectStore remote, (string Name, string Value)[] env)
    {
        var root = _dir.Combine("local-" + runs);
        Directory.CreateDirectory(Path.Combine(root, "lake", "landing", "sales"));
        await File.WriteAllTextAsync(Path.Combine(root, "pipeline.yaml"), Yaml, Ct);
        for (var i = 0; i < Files; i++)
        {
            var key = $"landing/sales/part-{i}.csv";
            await using (var file = File.Create(Path.Combine(root, "lake", key)))
            {
                await SalesRecordsGenerator.WriteAsync(file, new SalesRecordsOptions(10_000, Seed: i + 1), Ct);
            }

            await remote.PutAsync(key, await File.ReadAllBytesAsync(Path.Combine(root, "lake", key), Ct), cancellationToken: Ct);
        }

        var children = Enumerable.Range(0, runs).Select(_ => Start(root, uri, env)).ToList();
        var results = await Task.WhenAll(children.Select(WaitAsync));
        foreach (var (code, output) in results)
        {
            code.ShouldBe(0, output);
        }

        results.Count(r => r.Output.Contains($"{Files} succeeded", StringComparison.Ordinal)).ShouldBe(1, "exactly one run processes the files");
        (await Cli.InvokeAsync("run", "--config", Path.Combine(root, "pipeline.yaml"))).Code.ShouldBe(0);

        var records = 0;
        await foreach (var o in remote.ListAsync(Manifest.Prefix, Ct))
        {
            records += (await ReadAsync(remote, o.Key)).Count(b => b == (byte)'\n');
        }

        records.ShouldBe(Files, "one manifest record per file version");
        var local = new LocalObjectStore(Path.Combine(root, "lake"));
        var expected = new List<string>();
        await foreach (var o in local.ListAsync("processed/", Ct))
        {
            expected.Add(o.Key);
        }

        var actual = new List<string>();
        await foreach (var o in remote.ListAsync("processed/", Ct))
        {
            actual.Add(o.Key);
        }

        actual.ShouldBe(expected);
        expected.ShouldNotBeEmpty();
        foreach (var key in expected)
        {
            (await ReadAsync(remote, key)).ShouldBe(await ReadAsync(local, key), key);
        }
    }

    private Process Start(string root, string uri, (string Name, string Value)[] env)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { typeof(Program).Assembly.Location, "run", "--config", Path.Combine(root, "pipeline.yaml"), "--lake", uri })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in env)
        {
            psi.Environment[name] = value;
        }

        var process = Process.Start(psi)!;
        _processes.Add(process);
        return process;
    }

    private static async Task<(int Code, string Output)> WaitAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromMinutes(4), Ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<byte[]> ReadAsync(IObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, null, Ct);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }
}
