using System.Text.Json;
using Etl.Orchestration.Local;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>Exit codes scripts rely on, and messages in plain words: usage errors, refused values, Ctrl-C, JSON output.</summary>
public sealed class ExitCodeTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-exit");

    private string Config => Path.Combine(_dir.Path, "pipeline.yaml");

    [Theory]
    [InlineData("run --bogus", "Unrecognized command or argument '--bogus'")]
    [InlineData("run --parallel abc", "--parallel expects a whole number; 'abc' is not one.")]
    [InlineData("run --parallel 0", "--parallel must be a whole number from 1 to 64")]
    [InlineData("generate out.csv -n -5", "--rows must be 0 or more.")]
    [InlineData("generate out.csv --seed x", "--seed expects a whole number; 'x' is not one.")]
    public async Task Invoke_UsageError_ExitsTwoInPlainWords(string args, string message)
    {
        var (code, stdout, stderr) = await Cli.InvokeAsync(args.Split(' '));

        code.ShouldBe(2);
        stderr.ShouldContain(message);
        stderr.ShouldContain("--help' for the options.");
        stderr.ShouldNotContain("System.");
        stdout.ShouldBeEmpty();
    }

    [Fact]
    public async Task Generate_NegativeRows_WritesNothing()
    {
        var target = _dir.Combine("neg.csv");

        (await Cli.InvokeAsync("generate", target, "-n", "-5")).Code.ShouldBe(2);

        File.Exists(target).ShouldBeFalse();
    }

    [Fact]
    public async Task Run_DryRunJson_PrintsTheFilesAsJson()
    {
        await InitSampleAsync();

        var (code, stdout, _) = await Cli.InvokeAsync("run", "--config", Config, "--dry-run", "--json");

        code.ShouldBe(0);
        using var doc = JsonDocument.Parse(stdout);
        doc.RootElement.GetProperty("files").GetArrayLength().ShouldBe(2);
        doc.RootElement.GetProperty("files")[0].GetProperty("reason").GetString().ShouldNotBeNullOrEmpty();
        doc.RootElement.GetProperty("deferred").GetInt32().ShouldBe(3);
        Directory.Exists(_dir.Combine("lake", "processed")).ShouldBeFalse();
    }

    [Fact]
    public async Task Run_Interrupted_Exits130WithResumeHintAndCommitsNothing()
    {
        await InitSampleAsync();
        using var interrupt = new CancellationTokenSource();
        await interrupt.CancelAsync();

        var (code, _, stderr) = await Cli.InvokeAsync(interrupt.Token, "run", "--config", Config);

        code.ShouldBe(130);
        stderr.ShouldContain("Interrupted. The run is recorded in the lake: run the same etl run again to resume it");
        stderr.ShouldNotContain("Exception");
        Directory.Exists(_dir.Combine("lake", "processed")).ShouldBeFalse();
        (await Cli.InvokeAsync("run", "--config", Config)).Code.ShouldBe(1, "the next run does the work (the sample quarantines one file)");
    }

    [Fact]
    public async Task Status_RunIdThatRunPrints_ShowsTheRun()
    {
        await InitSampleAsync();
        var (_, json, _) = await Cli.InvokeAsync("run", "--config", Config, "--json");
        var runId = JsonDocument.Parse(json).RootElement.GetProperty("runId").GetString()!;

        var (code, stdout, stderr) = await Cli.InvokeAsync("status", runId, "--config", Config);

        code.ShouldBe(0, stderr);
        stdout.ShouldContain("(RunPipeline): Completed");
        stdout.ShouldContain("Quarantined");
    }

    [Fact]
    public async Task Run_NothingNew_NotRecordedAsARun()
    {
        await InitSampleAsync();
        (await Cli.InvokeAsync("run", "--config", Config)).Code.ShouldBe(1);
        var second = await Cli.InvokeAsync("run", "--config", Config);
        second.Stdout.ShouldContain("Nothing new");

        var everything = await Cli.InvokeAsync("status", "--config", Config, "--json", "--all");

        second.Code.ShouldBe(0);
        JsonDocument.Parse(everything.Stdout).RootElement.GetArrayLength().ShouldBe(1, "only the run that processed files");
    }

    [Fact]
    public async Task Status_NothingNewInstanceFromAHost_NotListedUnlessAll()
    {
        await InitSampleAsync();
        (await Cli.InvokeAsync("run", "--config", Config)).Code.ShouldBe(1);
        var output = JsonDocument.Parse("""{"runId":"20261203T000000000Z-idle","filesTotal":0}""").RootElement.Clone();
        var now = DateTimeOffset.UtcNow;
        await new InstanceStore(new LocalObjectStore(_dir.Combine("lake"))).SaveAsync(
            new InstanceState("RunPipeline", "idle0000000000000000000000000000", OrchestrationRuntimeStatus.Completed, null, null, output, now, now));

        var list = await Cli.InvokeAsync("status", "--config", Config, "--json");
        var everything = await Cli.InvokeAsync("status", "--config", Config, "--json", "--all");
        var table = await Cli.InvokeAsync("status", "--config", Config);

        JsonDocument.Parse(list.Stdout).RootElement.GetArrayLength().ShouldBe(1);
        JsonDocument.Parse(everything.Stdout).RootElement.GetArrayLength().ShouldBe(2);
        table.Stdout.ShouldContain("(1 run(s) that found nothing new are not listed; --all lists them.)");
    }

    public void Dispose() => _dir.Dispose();

    private async Task InitSampleAsync() => (await Cli.InvokeAsync("init", _dir.Path, "--template", "partner-sales")).Code.ShouldBe(0);
}
