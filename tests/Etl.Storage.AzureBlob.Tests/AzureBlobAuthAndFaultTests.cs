using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Etl.Storage.Configuration;
using Etl.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Storage.AzureBlob.Tests;

/// <summary>Authorization forms, clear errors without secrets, and faults: throttling, and the emulator killed mid-write.</summary>
public sealed class AzureBlobAuthAndFaultTests
{
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sas_AccountSasInTheLakeUrl_ReadsAndWrites_SignatureNeverInDescription()
    {
        var setup = await BlobTestStores.NewStoreAsync("");
        var container = setup.Description.Split('/')[^1];
        var sas = AccountSas(DateTimeOffset.UtcNow.AddHours(1));
        var store = new AzureBlobObjectStore(LakeLocation.Parse($"{TestServices.AzuriteBlobEndpoint}/{container}/zone?{sas}"), new AzureBlobStorageOptions());

        await store.PutAsync("a.csv", Encoding.UTF8.GetBytes("x,y"), cancellationToken: Ct);

        store.AuthKind.ShouldBe("sas");
        (await store.GetInfoAsync("a.csv", Ct))!.Size.ShouldBe(3);
        (await setup.GetInfoAsync("zone/a.csv", Ct)).ShouldNotBeNull();
        store.Description.ShouldNotContain("sig=");
    }

    [Fact]
    public async Task Sas_Expired_PermanentAccessDeniedSayingWhatToCheck()
    {
        var setup = await BlobTestStores.NewStoreAsync("");
        var container = setup.Description.Split('/')[^1];
        var sas = AccountSas(DateTimeOffset.UtcNow.AddHours(-1));
        var store = new AzureBlobObjectStore(LakeLocation.Parse($"{TestServices.AzuriteBlobEndpoint}/{container}?{sas}"), new AzureBlobStorageOptions { MaxRetries = 0 });

        var ex = await Should.ThrowAsync<StorageException>(() => store.PutAsync("a.csv", new byte[] { 1 }, cancellationToken: Ct));

        ex.IsTransient.ShouldBeFalse();
        ex.Message.ShouldContain("access denied");
        ex.Message.ShouldContain("SAS");
        ex.Message.ShouldNotContain("sig=");
    }

    [Fact]
    public async Task SharedKey_WrongKey_AccessDeniedWithoutTheKey()
    {
        var setup = await BlobTestStores.NewStoreAsync("");
        var container = setup.Description.Split('/')[^1];
        var wrong = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var store = new AzureBlobObjectStore(LakeLocation.Parse($"{TestServices.AzuriteBlobEndpoint}/{container}"), new AzureBlobStorageOptions { AccountKey = wrong, MaxRetries = 0 });

        var ex = await Should.ThrowAsync<StorageException>(() => store.PutAsync("a.csv", new byte[] { 1 }, cancellationToken: Ct));

        ex.Message.ShouldContain("access denied");
        ex.Message.ShouldContain($"{container}/a.csv");
        ex.Message.ShouldNotContain(wrong);
    }

    [Fact]
    public async Task Throttled_503Twice_RetriedWithBackoffAndSucceeds()
    {
        var transport = new FailingTransport(failures: 2);
        var store = await BlobTestStores.NewStoreAsync("", new AzureBlobStorageOptions { Transport = transport });

        await store.PutAsync("a.csv", new byte[] { 1, 2 }, cancellationToken: Ct);

        transport.Injected.ShouldBe(2);
        (await store.GetInfoAsync("a.csv", Ct))!.Size.ShouldBe(2);
    }

    [Fact]
    public async Task ContainerMissing_ClearPermanentError()
    {
        var store = new AzureBlobObjectStore(LakeLocation.Parse($"{TestServices.AzuriteBlobEndpoint}/no-such-container-{Guid.NewGuid():N}"), new AzureBlobStorageOptions());

        var ex = await Should.ThrowAsync<StorageException>(() => store.PutAsync("a.csv", new byte[] { 1 }, cancellationToken: Ct));

        ex.Message.ShouldContain("container does not exist");
    }

    [Fact]
    public async Task EmulatorKilledMidWrite_NothingVisibleAfterRestart()
    {
        using var dir = new TempDirectory("azurite-kill");
        var port = LoopbackPorts.Free();
        var azurite = StartAzurite(dir.Path, port);
        try
        {
            var endpoint = $"http://127.0.0.1:{port}/devstoreaccount1";
            var store = await BlobTestStores.NewStoreAsync("", new AzureBlobStorageOptions { BlockSizeBytes = 1 << 20, MaxRetries = 1, NetworkTimeout = TimeSpan.FromSeconds(5) }, endpoint);
            var write = await store.OpenWriteAsync("partial.bin", cancellationToken: Ct);
            await write.WriteAsync(new byte[3 << 20], Ct);

            azurite.Kill(entireProcessTree: true);
            await azurite.WaitForExitAsync(Ct);
            await Should.ThrowAsync<StorageException>(async () =>
            {
                await write.WriteAsync(new byte[1 << 20], Ct);
                await write.CommitAsync(Ct);
            });
            await write.DisposeAsync();

            azurite = StartAzurite(dir.Path, port);

            // Azurite may not have saved its metadata before the kill; whatever it kept, the partial blob is not in it.
            await store.CreateContainerIfNotExistsAsync(Ct);
            (await store.GetInfoAsync("partial.bin", Ct)).ShouldBeNull();
            (await ListAsync(store)).ShouldBeEmpty();
        }
        finally
        {
            azurite.Kill(entireProcessTree: true);
            azurite.Dispose();
        }
    }

    [Theory]
    [InlineData("UseDevelopmentStorage=true", "devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net", "acct", null)]
    [InlineData("BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x", null, "https://acct.blob.core.windows.net/")]
    public void ConnectionString_Parsed(string text, string? account, string? endpoint)
    {
        var settings = BlobConnection.ParseConnectionString(text);

        settings.GetValueOrDefault("AccountName").ShouldBe(account);
        settings.GetValueOrDefault("BlobEndpoint").ShouldBe(endpoint);
    }

    [Fact]
    public void UseAzureBlobStorage_AzUriWithConnectionString_StoreOnTheContainer()
    {
        var services = new ServiceCollection();
        new TestBuilder(services).UseLocalStorage().UseAzureBlobStorage(o => o.ConnectionString = "UseDevelopmentStorage=true");
        using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IObjectStoreFactory>().Create("az://lake/zone");

        var blob = store.ShouldBeOfType<AzureBlobObjectStore>();
        blob.Prefix.ShouldBe("zone/");
        blob.AuthKind.ShouldBe("shared key");
    }

    private static async Task<List<ObjectInfo>> ListAsync(IObjectStore store)
    {
        var list = new List<ObjectInfo>();
        await foreach (var o in store.ListAsync("", Ct))
        {
            list.Add(o);
        }

        return list;
    }

    /// <summary>An account SAS for the development account, signed as the service documents (sv 2020-12-06 and later).</summary>
    private static string AccountSas(DateTimeOffset expiry)
    {
        const string version = "2021-12-02";
        var se = expiry.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var toSign = $"devstoreaccount1\nrwdlacup\nb\nsco\n\n{se}\n\nhttps,http\n{version}\n\n";
        using var hmac = new HMACSHA256(Convert.FromBase64String(DevKey));
        var sig = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(toSign)));
        return $"sv={version}&ss=b&srt=sco&sp=rwdlacup&se={Uri.EscapeDataString(se)}&spr=https,http&sig={Uri.EscapeDataString(sig)}";
    }

    private static Process StartAzurite(string location, int port)
    {
        var psi = new ProcessStartInfo(Path.Combine(TestServices.ToolsDir, "node_modules", ".bin", "azurite-blob"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture), "--location", location, "--silent" })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"azurite-blob did not start on port {port}");
    }

    /// <summary>Answers the first N requests with 503 Server Busy, as a throttled account does, then passes through.</summary>
    private sealed class FailingTransport(int failures) : HttpPipelineTransport
    {
        private readonly HttpClientTransport _inner = new();
        private int _left = failures;

        public int Injected { get; private set; }

        public override Request CreateRequest() => _inner.CreateRequest();

        public override void Process(HttpMessage message) => ProcessAsync(message).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message)
        {
            if (Interlocked.Decrement(ref _left) >= 0)
            {
                Injected++;
                message.Response = new FakeResponse(503);
                return;
            }

            await _inner.ProcessAsync(message);
        }
    }

    private sealed class FakeResponse(int status) : Response
    {
        public override int Status => status;

        public override string ReasonPhrase => "Server Busy";

        public override Stream? ContentStream { get; set; } = new MemoryStream();

        public override string ClientRequestId { get; set; } = "";

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => false;

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];

        protected override bool TryGetHeader(string name, out string value)
        {
            value = "";
            return false;
        }

        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            values = [];
            return false;
        }
    }

    private sealed class TestBuilder(IServiceCollection services) : IEtlBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
