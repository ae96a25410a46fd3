using System.Text.Json;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>`etl status` over the runs `etl run` recorded in the lake: the list, one run's per-file table, JSON, an unknown id.</summary>
public sealed class StatusCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-status");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Status_AfterARun_ListsItAndShowsEveryFileWithItsStatus()
    {
        var target = _dir.Combine("partner-sales");
        (await Cli.InvokeAsync("init", target, "--template", "partner-sales")).Code.ShouldBe(0);
        var config = Path.Combine(target, "pipeline.yaml");
        (await Cli.InvokeAsync("run", "--config", config)).Code.ShouldBe(1, "the sample quarantines one file on purpose");

        var list = await Cli.InvokeAsync("status", "--config", config);
        var listJson = await Cli.InvokeAsync("status", "--config", config, "--json");
        using var runs = JsonDocument.Parse(listJson.Stdout);
        var id = runs.RootElement[0].GetProperty("instanceId").GetString()!;
        var one = await Cli.InvokeAsync("status", id, "--config", config);
        var oneJson = await Cli.InvokeAsync("status", id, "--config", config, "--json");

        list.Code.ShouldBe(0);
        list.Stdout.ShouldContain("INSTANCE");
        list.Stdout.ShouldContain(id);
        list.Stdout.ShouldContain("Completed");
        runs.RootElement.GetArrayLength().ShouldBe(1);
        one.Code.ShouldBe(0);
        one.Stdout.ShouldContain($"Instance {id} (RunPipeline): Completed");
        one.Stdout.ShouldContain("FILE");
        var landed = Directory.GetFiles(Path.Combine(target, "lake", "landing"), "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Path.Combine(target, "lake"), p).Replace('\\', '/')).ToList();
        landed.Count.ShouldBe(5);
        foreach (var key in landed)
        {
            one.Stdout.ShouldContain(key);
        }

        one.Stdout.ShouldContain("Quarantined");
        using var instance = JsonDocument.Parse(oneJson.Stdout);
        instance.RootElement.GetProperty("runtimeStatus").GetString().ShouldBe("Completed");
        instance.RootElement.GetProperty("output").GetProperty("filesSucceeded").GetInt32().ShouldBe(4);
        instance.RootElement.GetProperty("output").GetProperty("filesQuarantined").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Status_UnknownIdOrEmptyLake_SaysSo()
    {
        var target = _dir.Combine("empty");
        (await Cli.InvokeAsync("init", target, "--template", "partner-sales")).Code.ShouldBe(0);
        var config = Path.Combine(target, "pipeline.yaml");

        var empty = await Cli.InvokeAsync("status", "--config", config);
        var unknown = await Cli.InvokeAsync("status", "no-such-run", "--config", config);

        empty.Code.ShouldBe(0);
        empty.Stdout.ShouldContain("No instances.");
        unknown.Code.ShouldBe(2);
        unknown.Stderr.ShouldContain("No run 'no-such-run'");
        unknown.Stderr.ShouldContain("etl status lists the runs");
    }
}
