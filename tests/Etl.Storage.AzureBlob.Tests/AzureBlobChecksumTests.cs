using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;
using Etl.Storage.Configuration;
using Etl.Testing;

namespace Etl.Storage.AzureBlob.Tests;

/// <summary>
/// Transactional checksums: bytes flipped in transit, on the way up or down, are caught (by Azurite on uploads, by the
/// SDK on downloads) and never land in the lake or reach the reader; and against Azure the requests carry CRC64.
/// </summary>
public sealed class AzureBlobChecksumTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TransferChecksum_Auto_Md5OnAzuriteCrc64OnAzure_ExplicitChoiceKept()
    {
        var azurite = new AzureBlobObjectStore(LakeLocation.Parse($"{TestServices.AzuriteBlobEndpoint}/lake"), new AzureBlobStorageOptions());
        var azure = new AzureBlobObjectStore(LakeLocation.Parse("https://acct.blob.core.windows.net/lake"), new AzureBlobStorageOptions { AccountKey = Key() });
        var off = new AzureBlobObjectStore(LakeLocation.Parse("https://acct.blob.core.windows.net/lake"), new AzureBlobStorageOptions { AccountKey = Key(), TransferChecksum = BlobTransferChecksum.None });

        azurite.TransferChecksum.ShouldBe(BlobTransferChecksum.Md5);
        azure.TransferChecksum.ShouldBe(BlobTransferChecksum.Crc64);
        off.TransferChecksum.ShouldBe(BlobTransferChecksum.None);
    }

    [Fact]
    public async Task Put_BodyCorruptedOnTheWayUp_RejectedTransientNothingStored()
    {
        var transport = new CorruptingTransport { CorruptRequests = true };
        var store = await BlobTestStores.NewStoreAsync("", new AzureBlobStorageOptions { Transport = transport, MaxRetries = 0 });

        var ex = await Should.ThrowAsync<StorageException>(() => store.PutAsync("a.bin", RandomNumberGenerator.GetBytes(100_000), cancellationToken: Ct));

        transport.CorruptedRequests.ShouldBeGreaterThan(0);
        transport.LastContentMd5.ShouldNotBeNull();
        ex.IsTransient.ShouldBeTrue();
        ex.Message.ShouldContain("checksum");
        ex.Message.ShouldContain("a.bin");
        transport.CorruptRequests = false;
        (await store.GetInfoAsync("a.bin", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task OpenWrite_BlockCorruptedOnTheWayUp_CommitFailsNothingStored()
    {
        var transport = new CorruptingTransport { CorruptRequests = true };
        var store = await BlobTestStores.NewStoreAsync("", new AzureBlobStorageOptions { Transport = transport, BlockSizeBytes = 1 << 20, MaxRetries = 0 });

        await using (var write = await store.OpenWriteAsync("big.bin", cancellationToken: Ct))
        {
            var ex = await Should.ThrowAsync<StorageException>(async () =>
            {
                await write.WriteAsync(RandomNumberGenerator.GetBytes(3 << 20), Ct);
                await write.CommitAsync(Ct);
            });
            ex.Message.ShouldContain("checksum");
        }

        transport.CorruptRequests = false;
        (await store.GetInfoAsync("big.bin", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task OpenRead_BodyCorruptedOnTheWayDown_ReadFailsTransient_IntactBodyReadsBack()
    {
        var transport = new CorruptingTransport();
        var store = await BlobTestStores.NewStoreAsync("", new AzureBlobStorageOptions { Transport = transport, MaxRetries = 1 });
        var content = RandomNumberGenerator.GetBytes(300_000);
        await store.PutAsync("r.bin", content, cancellationToken: Ct);

        transport.CorruptResponses = true;
        var ex = await Should.ThrowAsync<StorageException>(() => ReadAllAsync(store, "r.bin"));

        transport.CorruptedResponses.ShouldBeGreaterThan(0);
        ex.IsTransient.ShouldBeTrue();
        ex.Message.ShouldContain("checksum");
        transport.CorruptResponses = false;
        (await ReadAllAsync(store, "r.bin")).ShouldBe(content);
    }

    [Fact]
    public async Task Azure_UploadStageAndDownloadRequests_AskForCrc64StructuredMessages()
    {
        var transport = new FakeAzure.RecordingTransport();
        var store = new AzureBlobObjectStore(
            LakeLocation.Parse("https://acct.blob.core.windows.net/lake"),
            new AzureBlobStorageOptions { AccountKey = Key(), Transport = transport, MaxRetries = 0, BlockSizeBytes = 64 << 10 });

        await Should.ThrowAsync<StorageException>(() => store.PutAsync("a.bin", new byte[1000], cancellationToken: Ct));
        await using (var write = await store.OpenWriteAsync("b.bin", cancellationToken: Ct))
        {
            await Should.ThrowAsync<StorageException>(async () =>
            {
                await write.WriteAsync(new byte[200 << 10], Ct);
                await write.CommitAsync(Ct);
            });
        }

        await Should.ThrowAsync<StorageException>(() => store.OpenReadAsync("a.bin", cancellationToken: Ct));

        var put = transport.Requests.First(r => r.Method == "PUT" && !r.Query.Contains("comp=block", StringComparison.Ordinal));
        put.Headers.ShouldContainKeyAndValue("x-ms-structured-body", "XSM/1.0; properties=crc64");
        put.Headers.ShouldContainKeyAndValue("x-ms-structured-content-length", "1000");
        put.Headers.ShouldContainKeyAndValue("x-ms-version", "2025-11-05");
        var block = transport.Requests.First(r => r.Method == "PUT" && r.Query.Contains("comp=block", StringComparison.Ordinal));
        block.Headers.ShouldContainKeyAndValue("x-ms-structured-body", "XSM/1.0; properties=crc64");
        transport.Requests.First(r => r.Method == "GET").Headers.ShouldContainKeyAndValue("x-ms-structured-body", "XSM/1.0; properties=crc64");
    }

    private static string Key() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));

    private static async Task<byte[]> ReadAllAsync(IObjectStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, cancellationToken: Ct);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, Ct);
        return buffer.ToArray();
    }

    /// <summary>Passes requests to Azurite, flipping one byte of request bodies and/or of GET response bodies when asked.</summary>
    private sealed class CorruptingTransport : HttpPipelineTransport
    {
        private readonly HttpClientTransport _inner = new();

        public bool CorruptRequests { get; set; }

        public bool CorruptResponses { get; set; }

        public int CorruptedRequests { get; private set; }

        public int CorruptedResponses { get; private set; }

        public string? LastContentMd5 { get; private set; }

        public override Request CreateRequest() => _inner.CreateRequest();

        public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message)
        {
            if (CorruptRequests && message.Request.Content is { } content && message.Request.Method == RequestMethod.Put)
            {
                using var body = new MemoryStream();
                await content.WriteToAsync(body, message.CancellationToken);
                if (body.Length > 0)
                {
                    var bytes = body.ToArray();
                    bytes[bytes.Length / 2] ^= 0xFF;
                    message.Request.Content = RequestContent.Create(bytes);
                    LastContentMd5 = message.Request.Headers.TryGetValue("Content-MD5", out var md5) ? md5 : null;
                    CorruptedRequests++;
                }
            }

            await _inner.ProcessAsync(message);
            if (CorruptResponses && message.Request.Method == RequestMethod.Get && message.Response.Status is 200 or 206 && message.Response.ContentStream is { } stream)
            {
                using var body = new MemoryStream();
                await stream.CopyToAsync(body, message.CancellationToken);
                var bytes = body.ToArray();
                if (bytes.Length > 0)
                {
                    bytes[bytes.Length / 2] ^= 0xFF;
                    CorruptedResponses++;
                }

                message.Response.ContentStream = new MemoryStream(bytes);
            }
        }
    }
}
