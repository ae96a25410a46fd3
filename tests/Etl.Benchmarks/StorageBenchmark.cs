using System.Diagnostics;
using System.Globalization;
using Amazon.S3.Model;
using Etl.Storage;
using Etl.Storage.AzureBlob;
using Etl.Storage.Configuration;
using Etl.Storage.Local;
using Etl.Storage.S3;

namespace Etl.Benchmarks;

/// <summary>
/// Upload and download throughput of each adapter through the storage contract (streaming write of unknown length,
/// streaming read), beside a plain file copy of the same bytes in the same run. S3 runs against s3rver
/// (ETL_TEST_S3_ENDPOINT) and Blob against Azurite (ETL_TEST_AZURITE_BLOB), both on loopback, so the figures measure
/// the adapters and the emulators, not a network: `eval "$(eng/services.sh start)"` first.
/// </summary>
internal sealed class StorageBenchmark : IBenchmark
{
    public string Name => "storage";

    public string Description => "upload/download MB/s of the local, S3 (s3rver) and Blob (Azurite) adapters beside a plain file copy [MiB] [runs]";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var mib = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 512;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var bytes = (long)mib << 20;
        var dir = Directory.CreateTempSubdirectory("etl-bench-storage").FullName;
        try
        {
            var source = Path.Combine(dir, "source.bin");
            await WriteRandomFileAsync(source, bytes, cancellationToken).ConfigureAwait(false);
            var targets = new List<(string Name, Func<Task<IObjectStore>> Create)>
            {
                ("local", () => Task.FromResult<IObjectStore>(new LocalObjectStore(Path.Combine(dir, "lake")))),
            };
            if (Environment.GetEnvironmentVariable("ETL_TEST_S3_ENDPOINT") is { Length: > 0 } s3)
            {
                targets.Add(("s3 (s3rver)", () => NewS3Async(s3, cancellationToken)));
            }

            if (Environment.GetEnvironmentVariable("ETL_TEST_AZURITE_BLOB") is { Length: > 0 } blob)
            {
                targets.Add(("blob (Azurite)", () => NewBlobAsync(blob, new AzureBlobStorageOptions(), cancellationToken)));

                // The price of the transactional checksums (MD5 against Azurite; CRC64 against Azure): the same without them.
                targets.Add(("blob, no checksum", () => NewBlobAsync(blob, new AzureBlobStorageOptions { TransferChecksum = BlobTransferChecksum.None }, cancellationToken)));
            }

            var copies = new List<double>();
            var results = targets.ToDictionary(t => t.Name, _ => (Up: new List<double>(), Down: new List<double>()));
            for (var run = 0; run < runs; run++)
            {
                var copyTarget = Path.Combine(dir, "copy.bin");
                var sw = Stopwatch.StartNew();
                File.Copy(source, copyTarget, overwrite: true);
                copies.Add(sw.Elapsed.TotalSeconds);
                File.Delete(copyTarget);
                foreach (var (name, create) in targets)
                {
                    var store = await create().ConfigureAwait(false);
                    var up = await UploadAsync(store, source, cancellationToken).ConfigureAwait(false);
                    var down = await DownloadAsync(store, bytes, cancellationToken).ConfigureAwait(false);
                    await store.DeleteAsync("bench/object.bin", cancellationToken).ConfigureAwait(false);
                    (store as IDisposable)?.Dispose();
                    results[name].Up.Add(up);
                    results[name].Down.Add(down);
                    Console.WriteLine($"run {run + 1}: {name,-15} up {mib / up,7:F0} MB/s  down {mib / down,7:F0} MB/s   (file copy {mib / copies[^1]:F0} MB/s)");
                }
            }

            Console.WriteLine();
            Console.WriteLine($"{mib} MiB, medians of {runs} runs (MiB/s)");
            Console.WriteLine($"  plain file copy   : {mib / BenchmarkStats.Median(copies),8:F0}");
            foreach (var (name, (up, down)) in results)
            {
                Console.WriteLine($"  {name,-18}: up {mib / BenchmarkStats.Median(up),8:F0}   down {mib / BenchmarkStats.Median(down),8:F0}");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<IObjectStore> NewS3Async(string endpoint, CancellationToken cancellationToken)
    {
        var options = new S3StorageOptions { ServiceUrl = endpoint, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" };
        var bucket = "bench-" + Guid.NewGuid().ToString("N")[..10];
        using (var client = S3ObjectStore.CreateClient(options))
        {
            await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
        }

        return new S3ObjectStore(bucket, "", options);
    }

    private static async Task<IObjectStore> NewBlobAsync(string endpoint, AzureBlobStorageOptions options, CancellationToken cancellationToken)
    {
        var container = "bench-" + Guid.NewGuid().ToString("N")[..10];
        var store = new AzureBlobObjectStore(LakeLocation.Parse($"{endpoint}/{container}"), options);
        await store.CreateContainerIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        return store;
    }

    private static async Task<double> UploadAsync(IObjectStore store, string source, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var write = await store.OpenWriteAsync("bench/object.bin", cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (write.ConfigureAwait(false))
        {
            await input.CopyToAsync(write, 1 << 20, cancellationToken).ConfigureAwait(false);
            await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> DownloadAsync(IObjectStore store, long expected, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        var buffer = new byte[1 << 20];
        long total = 0;
        var read = await store.OpenReadAsync("bench/object.bin", null, cancellationToken).ConfigureAwait(false);
        await using (read.ConfigureAwait(false))
        {
            int n;
            while ((n = await read.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += n;
            }
        }

        return total == expected ? sw.Elapsed.TotalSeconds : throw new InvalidOperationException($"read {total} bytes, expected {expected}");
    }

    private static async Task WriteRandomFileAsync(string path, long bytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        var random = new Random(1);
        await using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        for (long written = 0; written < bytes; written += buffer.Length)
        {
            random.NextBytes(buffer);
            await output.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes - written)), cancellationToken).ConfigureAwait(false);
        }
    }
}
