using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Etl.Core.Definition;
using Etl.Testing;
using Etl.Warehouse;

namespace Etl.Functions.Tests;

/// <summary>The deploy package eng/publish-functions.sh makes: what the Functions host and the app need at start.</summary>
public sealed class PublishPackageTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly TempDirectory _dir = new("etl-fn-publish");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PublishScript_Zip_HoldsTheHostFilesAndALoadableDefinition()
    {
        var zip = _dir.Combine("etl-functions.zip");

        // --no-build: the test run already built the app; publishing it again only copies.
        var printed = await RunAsync("bash", RepoPaths.Get("eng", "publish-functions.sh"), "--no-build", "--configuration", Configuration, "--output", zip);

        printed.TrimEnd().Split('\n')[^1].ShouldBe(zip);
        var app = _dir.Combine("app");
        ZipFile.ExtractToDirectory(zip, app);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", Directory.EnumerateFiles(app, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(app, f)).Where(f => !f.EndsWith(".dll", StringComparison.Ordinal)).Order(StringComparer.Ordinal)));

        File.ReadAllBytes(Path.Combine(app, "host.json")).ShouldBe(File.ReadAllBytes(RepoPaths.Get("host.json")), "the top-level host.json, not a drifting copy");
        var functions = JsonNode.Parse(File.ReadAllText(Path.Combine(app, "functions.metadata")))!.AsArray().Select(f => f!["name"]!.GetValue<string>());
        functions.ShouldBe(["RunPipeline", "ProcessFileBatch", "FetchSources", "Discover", "ProcessFile", "Commit", "LoadWarehouse", "ScheduledRun", "BlobLanded", "S3EventQueued", "HttpStart"], ignoreOrder: true);
        var extensions = JsonNode.Parse(File.ReadAllText(Path.Combine(app, "extensions.json")))!["extensions"]!.AsArray();
        foreach (var extension in extensions)
        {
            // Each WebJobs extension the host loads is in the package where extensions.json points.
            var hint = extension!["hintPath"]!.GetValue<string>();
            File.Exists(Path.Combine(app, hint)).ShouldBeTrue(hint);
        }

        extensions.Select(e => e!["name"]!.GetValue<string>()).ShouldContain("DurableTask");
        JsonNode.Parse(File.ReadAllText(Path.Combine(app, "worker.config.json")))!["description"]!["defaultWorkerPath"]!.GetValue<string>().ShouldBe("Etl.Functions.dll");
        File.Exists(Path.Combine(app, "Etl.Functions.dll")).ShouldBeTrue();

        var config = Path.Combine(app, "pipeline", "pipeline.yaml");
        var definition = PipelineDefinitionLoader.Load(config);
        definition.Name.ShouldBe("store-sales");
        var warehouse = WarehouseDefinition.Load(config).ShouldNotBeNull();
        Directory.GetFiles(warehouse.ModelsFolder.ShouldNotBeNull(), "*.sql").Length.ShouldBe(Directory.GetFiles(RepoPaths.Get("samples", "store-sales", "models"), "*.sql").Length);
        foreach (var table in new[] { "customers.csv", "stores.csv", "products.csv", "sales_team.csv" })
        {
            File.Exists(Path.Combine(app, "pipeline", "lake", "reference", table)).ShouldBeTrue(table);
        }

        Directory.Exists(Path.Combine(app, "pipeline", "lake", "landing")).ShouldBeFalse("landed sample data is not deployed");
    }

    [Fact]
    public async Task PublishScript_PipelineFolderWithoutDefinition_FailsNamingIt()
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => RunAsync("bash", RepoPaths.Get("eng", "publish-functions.sh"), "--no-build", "--pipeline", _dir.Path));

        error.Message.ShouldContain("has no pipeline.yaml");
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode == 0 ? await stdout : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
    }
}
