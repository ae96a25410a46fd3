using Etl.Storage.Configuration;

namespace Etl.Storage.Tests;

public sealed class LakeLocationTests
{
    [Fact]
    public void Parse_RelativePath_LocalFullPath()
    {
        var location = LakeLocation.Parse("./lake");
        location.Kind.ShouldBe(LakeKind.Local);
        location.Container.ShouldBe(Path.GetFullPath("./lake"));
    }

    [Fact]
    public void Parse_FileUri_Local()
    {
        var location = LakeLocation.Parse("file:///data/lake");
        location.Kind.ShouldBe(LakeKind.Local);
        location.Container.ShouldBe(Path.GetFullPath("/data/lake"));
    }

    [Theory]
    [InlineData("s3://bucket", "bucket", "")]
    [InlineData("s3://bucket/", "bucket", "")]
    [InlineData("s3://bucket/lake/prod/", "bucket", "lake/prod")]
    public void Parse_S3_BucketAndPrefix(string uri, string bucket, string prefix)
    {
        var location = LakeLocation.Parse(uri);
        location.Kind.ShouldBe(LakeKind.S3);
        location.Container.ShouldBe(bucket);
        location.Prefix.ShouldBe(prefix);
    }

    [Fact]
    public void Parse_AzScheme_ContainerAndPrefix()
    {
        var location = LakeLocation.Parse("az://lake/prod");
        location.Kind.ShouldBe(LakeKind.AzureBlob);
        location.Container.ShouldBe("lake");
        location.Prefix.ShouldBe("prod");
        location.Endpoint.ShouldBeNull();
    }

    [Fact]
    public void Parse_AccountUrlWithSas_EndpointAccountAndHiddenQuery()
    {
        var location = LakeLocation.Parse("https://acct.blob.core.windows.net/lake/prod?sv=2024&sig=SECRET");
        location.Kind.ShouldBe(LakeKind.AzureBlob);
        location.Endpoint.ShouldBe(new Uri("https://acct.blob.core.windows.net"));
        location.AccountName.ShouldBe("acct");
        location.Container.ShouldBe("lake");
        location.Prefix.ShouldBe("prod");
        location.Query.ShouldBe("sv=2024&sig=SECRET");
        location.Description.ShouldNotContain("SECRET");
    }

    [Fact]
    public void Parse_AzuriteUrl_PathStyleAccount()
    {
        var location = LakeLocation.Parse("http://127.0.0.1:10000/devstoreaccount1/lake/prod");
        location.Kind.ShouldBe(LakeKind.AzureBlob);
        location.Endpoint.ShouldBe(new Uri("http://127.0.0.1:10000/devstoreaccount1"));
        location.AccountName.ShouldBe("devstoreaccount1");
        location.Container.ShouldBe("lake");
        location.Prefix.ShouldBe("prod");
    }

    [Theory]
    [InlineData("gs://bucket/x", "scheme 'gs'")]
    [InlineData("s3://", "no bucket")]
    [InlineData("s3://bucket/../etc", "not a safe key path")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1", "/<account>/<container>")]
    [InlineData("  ", "empty")]
    public void Parse_BadUri_ClearError(string uri, string expected)
    {
        var ex = Should.Throw<StorageException>(() => LakeLocation.Parse(uri));
        ex.Message.ShouldContain(expected);
        ex.Message.ShouldContain("s3://bucket/prefix");
    }

    [Fact]
    public void Parse_BadUriWithSas_SecretNotPrinted()
    {
        var ex = Should.Throw<StorageException>(() => LakeLocation.Parse("https://127.0.0.1/acct?sig=SECRET"));
        ex.Message.ShouldNotContain("SECRET");
    }
}
