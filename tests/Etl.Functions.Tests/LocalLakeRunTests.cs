using System.Text.Json.Nodes;
using Etl.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Functions.Tests;

/// <summary>
/// A whole run of the store-sales sample through the Functions app on the Durable Task engine, with the app's real
/// activities over a real local lake, against <c>etl run</c> on a copy of the same lake.
/// </summary>
public sealed class LocalLakeRunTests : IDisposable
{
    private static readonly string[] s_zones = ["processed", "rejects", "quarantine"];
    private readonly TempDirectory _root = new("etl-fn-lake");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task RunPipeline_StoreSalesSample_SameOutputBytesAndStatusJsonAsEtlRun()
    {
        var config = RepoPaths.Get("samples", "store-sales", "pipeline.yaml");
        var cliLake = CopySampleLake("cli");
        var functionsLake = CopySampleLake("functions");

        var (code, _, stderr) = await InvokeEtlAsync("run", "--config", config, "--lake", cliLake);
        code.ShouldBe(0, stderr);
        await using var engine = await FunctionsEngine.StartAsync(new FunctionAppSettings(config, functionsLake));
        var (id, created) = await engine.Services.GetRequiredService<RunStarter>().StartOrJoinAsync(engine.Client, "http", CancellationToken.None);
        var done = await engine.WaitAsync(id);

        created.ShouldBeTrue();
        done.RuntimeStatus.ShouldBe(OrchestrationRuntimeStatus.Completed, done.FailureDetails?.ToString());
        var expected = Outputs(cliLake);
        expected.Keys.ShouldContain(k => k.StartsWith("processed/", StringComparison.Ordinal) && k.EndsWith(".parquet", StringComparison.Ordinal));
        var actual = Outputs(functionsLake);
        actual.Keys.ShouldBe(expected.Keys, ignoreOrder: false);
        foreach (var (key, bytes) in expected)
        {
            actual[key].SequenceEqual(bytes).ShouldBeTrue($"{key} differs from etl run's");
        }

        // The status JSON: etl status --json prints the instance as etl serve's status endpoint does.
        var (statusCode, statusJson, statusErr) = await InvokeEtlAsync("status", "--config", config, "--lake", cliLake, "--json");
        statusCode.ShouldBe(0, statusErr);
        var local = JsonNode.Parse(statusJson)!.AsArray().ShouldHaveSingleItem()!;
        var functionsStatus = JsonNode.Parse(done.SerializedCustomStatus!);
        TestContext.Current.TestOutputHelper?.WriteLine($"Functions customStatus: {done.SerializedCustomStatus}\netl serve customStatus: {local["customStatus"]?.ToJsonString()}");
        TestContext.Current.TestOutputHelper?.WriteLine($"Functions output: {done.SerializedOutput}\netl serve output: {local["output"]?.ToJsonString()}");
        TestContext.Current.TestOutputHelper?.WriteLine("Compared files: " + string.Join(", ", expected.Keys));
        JsonNode.DeepEquals(functionsStatus, local["customStatus"]).ShouldBeTrue($"Functions: {functionsStatus?.ToJsonString()}\netl serve: {local["customStatus"]?.ToJsonString()}");
        var functionsOutput = JsonNode.Parse(done.SerializedOutput!)!.AsObject();
        var localOutput = local["output"]!.AsObject();
        Shape(functionsOutput).ShouldBe(Shape(localOutput));
        foreach (var varying in new[] { "runId", "startedAt", "finishedAt" })
        {
            functionsOutput.Remove(varying);
            localOutput.Remove(varying);
        }

        JsonNode.DeepEquals(functionsOutput, localOutput).ShouldBeTrue($"Functions: {functionsOutput.ToJsonString()}\netl serve: {localOutput.ToJsonString()}");
        functionsOutput["filesSucceeded"]!.GetValue<int>().ShouldBe(2);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> InvokeEtlAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Etl.Cli.Program.InvokeAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Property names and JSON value kinds, recursively: what a client of the status endpoint binds to.</summary>
    private static string Shape(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.Select(p => p.Key + ":" + Shape(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Shape).Distinct()) + "]",
        JsonValue v => v.GetValueKind().ToString(),
        _ => "null",
    };

    private string CopySampleLake(string name)
    {
        var lake = _root.Combine(name);
        foreach (var zone in new[] { "landing", "reference" })
        {
            var from = RepoPaths.Get("samples", "store-sales", "lake", zone);
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(lake, zone, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }
        }

        return lake;
    }

    private static SortedDictionary<string, byte[]> Outputs(string lake)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var zone in s_zones)
        {
            var dir = Path.Combine(lake, zone);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            {
                files[Path.GetRelativePath(lake, file).Replace('\\', '/')] = File.ReadAllBytes(file);
            }
        }

        return files;
    }
}
