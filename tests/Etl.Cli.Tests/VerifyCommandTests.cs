using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>`etl verify` on a healthy lake and on lakes with a deleted or damaged output, extra files, temp files and an expired lease; `etl validate`.</summary>
public sealed class VerifyCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-verify");

    private string Config => _dir.Combine("pipeline.yaml");

    private string Lake => _dir.Combine("lake");

    [Fact]
    public async Task Verify_HealthyLake_ExitsZero()
    {
        await RunSampleAsync();

        var (code, stdout, _) = await Cli.InvokeAsync("verify", "--config", Config);

        code.ShouldBe(0, stdout);
        stdout.ShouldContain("ok      processed/ matches the manifest");
        stdout.ShouldContain("ok      no leftover temp files");
        stdout.ShouldContain("The lake is consistent.");
        stdout.ShouldNotContain("PROBLEM");
    }

    [Fact]
    public async Task Verify_OutputDeletedByHand_NamesItAndTheFix()
    {
        await RunSampleAsync();
        var output = Outputs()[0];
        File.Delete(output);
        var key = Path.GetRelativePath(Lake, output).Replace('\\', '/');

        var (code, stdout, _) = await Cli.InvokeAsync("verify", "--config", Config);

        code.ShouldBe(1);
        stdout.ShouldContain($"PROBLEM {key} is missing: the manifest records it as the output of landing/");
        stdout.ShouldContain("fix: Run `etl run --reprocess-all`");
        stdout.ShouldContain("1 problem(s) found.");
    }

    [Fact]
    public async Task Verify_TruncatedAndExtraOutputs_EachReported()
    {
        await RunSampleAsync();
        var damaged = Outputs()[0];
        var bytes = File.ReadAllBytes(damaged);
        File.WriteAllBytes(damaged, bytes[..(bytes.Length / 2)]);
        var extra = Path.Combine(Lake, "processed", "stray.parquet");
        File.WriteAllBytes(extra, bytes);

        var (code, stdout, _) = await Cli.InvokeAsync("verify", "--config", Config);

        code.ShouldBe(1);
        stdout.ShouldContain($"{Path.GetRelativePath(Lake, damaged).Replace('\\', '/')} is damaged: it does not begin and end with the Parquet magic bytes");
        stdout.ShouldContain("PROBLEM processed/stray.parquet is in processed/ but no committed file version produced it");
        stdout.ShouldContain("2 problem(s) found.");
        File.Exists(extra).ShouldBeTrue("verify reads only");
    }

    [Fact]
    public async Task Verify_OutputReplacedByAnotherParquetFile_SizeMismatchReported()
    {
        await RunSampleAsync();
        var outputs = Outputs();
        var (target, other) = outputs.Select(o => (o, new FileInfo(o).Length)).OrderBy(o => o.Length).Select(o => o.o).ToArray() is [var small, .., var big] ? (small, big) : default;
        File.Copy(other, target, overwrite: true);

        var (code, stdout, _) = await Cli.InvokeAsync("verify", "--config", Config);

        code.ShouldBe(1);
        stdout.ShouldContain("was replaced or rewritten after the commit.");
        stdout.ShouldContain(Path.GetRelativePath(Lake, target).Replace('\\', '/'));
        stdout.ShouldNotContain("is damaged", customMessage: "it is still a whole Parquet file");
    }

    [Fact]
    public async Task Verify_LeftoverTempFileAndStaleLease_ReportedAndTheNextRunClearsThem()
    {
        await RunSampleAsync();
        var temp = Path.Combine(Lake, ".etl-tmp", "0123abcd.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        File.WriteAllBytes(temp, new byte[100]);
        File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddHours(-2));
        var lease = Path.Combine(Lake, "_meta", "leases", "partner-sales.lease");
        Directory.CreateDirectory(Path.GetDirectoryName(lease)!);
        File.WriteAllText(lease, $"abc\n{DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds()}\n");

        var (code, stdout, _) = await Cli.InvokeAsync("verify", "--config", Config);

        code.ShouldBe(1);
        stdout.ShouldContain("PROBLEM 1 leftover temp file(s)");
        stdout.ShouldContain("0123abcd.tmp");
        stdout.ShouldContain("ok      lease _meta/leases/partner-sales.lease expired at");
        stdout.ShouldContain("fix: Run `etl run`");
        stdout.ShouldContain("1 problem(s) found.");
        File.Exists(temp).ShouldBeTrue("verify reads only");
        File.Exists(lease).ShouldBeTrue("verify reads only");

        // The fix it names works: the next run takes the lake over, clears the leftovers, and verify is clean.
        (await Cli.InvokeAsync("run", "--config", Config)).Code.ShouldBe(0, "nothing new landed: the quarantined file is not retried unasked");
        File.Exists(temp).ShouldBeFalse("taking the lake sweeps .etl-tmp/");
        var (after, afterOut, _) = await Cli.InvokeAsync("verify", "--config", Config);
        after.ShouldBe(0, afterOut);
    }

    [Fact]
    public async Task Verify_WarehouseUnreachable_ReportedAsAProblem()
    {
        var config = await StoreSalesWithOwnConnectionVariableAsync();
        using var env = new EnvironmentVariables(("ETL_VERIFY_TEST_WAREHOUSE", "Host=127.0.0.1;Port=1;Database=none;Username=none;Timeout=3"));

        var (code, stdout, _) = await Cli.InvokeAsync("verify", "--config", config);

        code.ShouldBe(1);
        stdout.ShouldContain("PROBLEM the warehouse (ETL_VERIFY_TEST_WAREHOUSE) cannot be reached");
        stdout.ShouldContain("fix: Check the connection string's host, port");
    }

    [Fact]
    public async Task Verify_WarehouseAnswers_Ok()
    {
        var connection = TestServices.Postgres;
        var config = await StoreSalesWithOwnConnectionVariableAsync();
        using var env = new EnvironmentVariables(("ETL_VERIFY_TEST_WAREHOUSE", connection));

        var (code, stdout, _) = await Cli.InvokeAsync("verify", "--config", config);

        code.ShouldBe(0, stdout);
        stdout.ShouldContain("ok      the warehouse answers");
    }

    [Fact]
    public async Task Validate_GoodAndBadDefinition_ExitZeroAndTwoWithoutALake()
    {
        (await Cli.InvokeAsync("init", _dir.Path, "--template", "partner-sales")).Code.ShouldBe(0);
        Directory.Delete(Lake, recursive: true);
        File.WriteAllText(_dir.Combine("bad.yaml"), "pipeline: x\ndatasets:\n  - name: d\n    match: \"landing/*.csv\"\n    max_rejects: lots\n    columns:\n      - { name: a, type: money }\n");

        var good = await Cli.InvokeAsync("validate", "--config", Config);
        var bad = await Cli.InvokeAsync("validate", "--config", _dir.Combine("bad.yaml"));

        good.Code.ShouldBe(0, good.Stderr);
        good.Stdout.ShouldContain("is valid: pipeline partner-sales");
        bad.Code.ShouldBe(2);
        bad.Stderr.ShouldContain("bad.yaml:5:");
        bad.Stderr.ShouldContain("max_rejects 'lots' must be a whole number");
        bad.Stderr.ShouldContain("unknown type 'money'");
        Directory.Exists(Lake).ShouldBeFalse("validate touches no lake");
    }

    public void Dispose() => _dir.Dispose();

    private async Task RunSampleAsync()
    {
        (await Cli.InvokeAsync("init", _dir.Path, "--template", "partner-sales")).Code.ShouldBe(0);
        (await Cli.InvokeAsync("run", "--config", Config)).Code.ShouldBe(1, "the sample quarantines one file on purpose");
    }

    /// <summary>The store-sales sample with its warehouse connection in a variable no other test sets.</summary>
    private async Task<string> StoreSalesWithOwnConnectionVariableAsync()
    {
        (await Cli.InvokeAsync("init", _dir.Path, "--template", "store-sales")).Code.ShouldBe(0);
        File.WriteAllText(Config, File.ReadAllText(Config).Replace("connection_env: ETL_WAREHOUSE_CONNECTION", "connection_env: ETL_VERIFY_TEST_WAREHOUSE", StringComparison.Ordinal));
        return Config;
    }

    private string[] Outputs() => [.. Directory.GetFiles(Path.Combine(Lake, "processed"), "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
}
