using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>
/// `etl run` against a lake whose store does not answer (an S3 endpoint and a Blob endpoint on a loopback port nobody
/// listens on): after the store's retries, exit 6 with a message that names the lake and what to check, no stack
/// trace, and nothing written to the local folder the definition names.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class StoreOutageTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-outage");

    [Fact]
    public async Task Run_S3EndpointDown_Exit6NamesTheLakeAndTheCheck()
    {
        var config = await SampleAsync("s3");
        var port = LoopbackPorts.Free();
        using var env = new EnvironmentVariables(("AWS_ENDPOINT_URL_S3", $"http://127.0.0.1:{port}"), ("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b"), ("AWS_REGION", "us-east-1"));

        var (code, stdout, stderr) = await Cli.InvokeAsync("run", "--config", config, "--lake", "s3://outage-bucket/lake");

        code.ShouldBe(6, stdout + stderr);
        stderr.ShouldContain("s3://outage-bucket/lake");
        stderr.ShouldContain($"127.0.0.1:{port}");
        stderr.ShouldNotContain("   at ");
        ProcessedUnder(config).ShouldBeEmpty();
    }

    [Fact]
    public async Task Run_BlobEndpointDown_Exit6NamesTheLakeAndTheCheck()
    {
        var config = await SampleAsync("blob");
        var port = LoopbackPorts.Free();
        var lake = $"http://127.0.0.1:{port}/devstoreaccount1/outage/lake";

        var (code, stdout, stderr) = await Cli.InvokeAsync("run", "--config", config, "--lake", lake);

        code.ShouldBe(6, stdout + stderr);
        stderr.ShouldContain(lake);
        stderr.ShouldNotContain("   at ");
        ProcessedUnder(config).ShouldBeEmpty();
    }

    public void Dispose() => _dir.Dispose();

    private async Task<string> SampleAsync(string name)
    {
        var target = _dir.Combine(name);
        (await Cli.InvokeAsync("init", target, "--template", "store-sales")).Code.ShouldBe(0);
        return Path.Combine(target, "pipeline.yaml");
    }

    private static string[] ProcessedUnder(string config)
    {
        var processed = Path.Combine(Path.GetDirectoryName(config)!, "lake", "processed");
        return Directory.Exists(processed) ? Directory.GetFiles(processed, "*", SearchOption.AllDirectories) : [];
    }

}
