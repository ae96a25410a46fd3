using System.Text;
using Azure.Core;
using Azure.Identity;
using Etl.Storage.Configuration;
using Etl.Testing;

namespace Etl.Storage.AzureBlob.Tests;

/// <summary>
/// The authorization forms as the SDK carries them: a connection string end to end on Azurite, and Entra ID tokens
/// from a credential (which Azurite cannot check, so the request that would go to Azure is inspected instead).
/// </summary>
public sealed class AzureBlobSdkAuthTests
{
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectionString_AzUri_WritesAndReadsOnAzurite()
    {
        var setup = await BlobTestStores.NewStoreAsync("");
        var container = setup.Description.Split('/')[^1];
        var options = new AzureBlobStorageOptions
        {
            ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevKey};BlobEndpoint={TestServices.AzuriteBlobEndpoint};",
        };
        var store = new AzureBlobObjectStore(LakeLocation.Parse($"az://{container}/zone"), options);

        await store.PutAsync("a.csv", Encoding.UTF8.GetBytes("x,y"), cancellationToken: Ct);

        store.AuthKind.ShouldBe("shared key");
        (await setup.GetInfoAsync("zone/a.csv", Ct))!.Size.ShouldBe(3);
    }

    [Fact]
    public async Task EntraId_TokenFromTheCredential_SentAsBearerForStorage()
    {
        var transport = new FakeAzure.RecordingTransport();
        var credential = new FixedTokenCredential();
        var store = new AzureBlobObjectStore(
            LakeLocation.Parse("https://acct.blob.core.windows.net/lake"),
            new AzureBlobStorageOptions { Credential = credential, Transport = transport, MaxRetries = 0 });

        await Should.ThrowAsync<StorageException>(() => store.GetInfoAsync("a.csv", Ct)); // the fake answers 503

        store.AuthKind.ShouldBe("entra id");
        credential.Scopes.ShouldContain("https://storage.azure.com/.default");
        transport.Requests.ShouldNotBeEmpty();
        transport.Requests[^1].Headers.ShouldContainKeyAndValue("Authorization", "Bearer test-token");
    }

    [Fact]
    public async Task EntraId_NoCredentialAvailable_PermanentErrorSayingWhatToDo()
    {
        var store = new AzureBlobObjectStore(
            LakeLocation.Parse("https://acct.blob.core.windows.net/lake"),
            new AzureBlobStorageOptions { Credential = new UnavailableCredential(), Transport = new FakeAzure.RecordingTransport(), MaxRetries = 0 });

        var ex = await Should.ThrowAsync<StorageException>(() => store.PutAsync("a.csv", new byte[] { 1 }, cancellationToken: Ct));

        ex.IsTransient.ShouldBeFalse();
        ex.Message.ShouldContain("lake/a.csv");
        ex.Message.ShouldContain("Entra ID");
        ex.Message.ShouldContain("az login");
    }

    [Fact]
    public void EntraId_OverHttp_RefusedNamingTheFix()
    {
        var ex = Should.Throw<StorageException>(() => new AzureBlobObjectStore(
            LakeLocation.Parse("http://127.0.0.1:1/devstoreaccount2/lake"), new AzureBlobStorageOptions { Credential = new FixedTokenCredential() }));

        ex.Message.ShouldContain("https");
    }

    [Fact]
    public async Task Throttled_PastTheRetryBudget_TransientErrorNamingKeyAndOperation()
    {
        var transport = new FakeAzure.RecordingTransport();
        var store = new AzureBlobObjectStore(
            LakeLocation.Parse("https://acct.blob.core.windows.net/lake"),
            new AzureBlobStorageOptions { AccountKey = DevKey, Transport = transport, MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(1) });

        var ex = await Should.ThrowAsync<StorageException>(() => store.PutAsync("landing/a.csv", new byte[] { 1 }, cancellationToken: Ct));

        transport.Requests.Count.ShouldBe(3);
        ex.IsTransient.ShouldBeTrue();
        ex.Message.ShouldContain("landing/a.csv");
        ex.Message.ShouldContain("write");
        ex.Message.ShouldContain("503");
        ex.Message.ShouldNotContain(DevKey);
    }

    private sealed class FixedTokenCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken("test-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    private sealed class UnavailableCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new CredentialUnavailableException("no managed identity endpoint, no Azure CLI login");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
