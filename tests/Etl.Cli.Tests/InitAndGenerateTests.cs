using Etl.Testing;

namespace Etl.Cli.Tests;

public sealed class InitAndGenerateTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-init");

    [Theory]
    [InlineData("partner-sales", 1)]
    [InlineData("sales-records", 0)]
    [InlineData("store-sales", 0)]
    [InlineData("sales-records-jsonl", 0)]
    [InlineData("sales-records-parquet", 0)]
    public async Task Init_Template_ThenRun_Works(string template, int expectedExit)
    {
        var target = _dir.Combine(template);

        (await InvokeAsync("init", target, "--template", template)).Code.ShouldBe(0);
        var run = await InvokeAsync("run", "--config", Path.Combine(target, "pipeline.yaml"));

        run.Code.ShouldBe(expectedExit);
        Directory.GetFiles(Path.Combine(target, "lake", "processed"), "*.parquet", SearchOption.AllDirectories).ShouldNotBeEmpty();
        File.Exists(Path.Combine(target, "README.md")).ShouldBeTrue();
    }

    [Fact]
    public async Task Init_NonEmptyFolder_RefusedWithoutForce()
    {
        File.WriteAllText(_dir.Combine("keep.txt"), "x");

        var result = await InvokeAsync("init", _dir.Path);

        result.Code.ShouldBe(2);
        result.Stderr.ShouldContain("--force");
    }

    [Fact]
    public async Task Generate_Options_ShapeRowsBadRowsAndColumns()
    {
        var path = _dir.Combine("g.csv");

        (await InvokeAsync("generate", path, "--rows", "500", "--seed", "3", "--bad-rows", "0.1", "--drop-column", "Order Date", "--extra-column", "note")).Code.ShouldBe(0);

        var lines = File.ReadAllLines(path);
        lines.Length.ShouldBe(501);
        lines[0].ShouldBe("Region,Country,Item Type,Sales Channel,Order Priority,Order ID,Ship Date,Units Sold,Unit Price,Unit Cost,Total Revenue,Total Cost,Total Profit,note");
        var parsed = await DuckDb.QueryAsync($"SELECT count(*) FILTER (WHERE TRY_CAST(\"Units Sold\" AS INTEGER) IS NULL)::VARCHAR AS bad FROM read_csv({DuckDb.Literal(path)}, header = true, all_varchar = true)");
        int.Parse(parsed.Rows[0]["bad"].GetString()!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(1, 40);
    }

    [Fact]
    public async Task Generate_SameSeed_SameFile()
    {
        await InvokeAsync("generate", _dir.Combine("a.csv"), "--rows", "300", "--seed", "9");
        await InvokeAsync("generate", _dir.Combine("b.csv"), "--rows", "300", "--seed", "9");

        File.ReadAllBytes(_dir.Combine("a.csv")).ShouldBe(File.ReadAllBytes(_dir.Combine("b.csv")));
    }

    [Fact]
    public async Task Generate_JsonlAndParquet_TheSameRowsAsTheCsvOfTheSeed()
    {
        foreach (var name in new[] { "s.csv", "s.jsonl", "s.parquet" })
        {
            (await InvokeAsync("generate", _dir.Combine(name), "--rows", "3000", "--seed", "4")).Code.ShouldBe(0);
        }

        const string Row = "concat_ws('|', \"Order ID\", \"Country\", \"Item Type\", \"Order Date\", \"Units Sold\", \"Unit Price\"::DECIMAL(18,2), \"Total Profit\"::DECIMAL(18,2))";
        var csv = await DuckDb.ScalarAsync($"SELECT md5(string_agg({Row}, ',' ORDER BY \"Order ID\")) FROM read_csv({DuckDb.Literal(_dir.Combine("s.csv"))}, types = {{'Order Date': 'DATE'}}, dateformat = '%m/%d/%Y')");
        var jsonl = await DuckDb.ScalarAsync($"SELECT md5(string_agg({Row}, ',' ORDER BY \"Order ID\")) FROM (SELECT * REPLACE (strptime(\"Order Date\", '%m/%d/%Y')::DATE AS \"Order Date\") FROM read_json({DuckDb.Literal(_dir.Combine("s.jsonl"))}, format = 'newline_delimited'))");
        var parquet = await DuckDb.ScalarAsync($"SELECT md5(string_agg({Row}, ',' ORDER BY \"Order ID\")) FROM read_parquet({DuckDb.Literal(_dir.Combine("s.parquet"))})");
        var bad = await InvokeAsync("generate", _dir.Combine("bad.parquet"), "--bad-rows", "0.1");

        jsonl.ShouldBe(csv);
        parquet.ShouldBe(csv);
        bad.Code.ShouldBe(2);
        bad.Stderr.ShouldContain("Parquet output is typed");
    }

    public void Dispose() => _dir.Dispose();

    private static Task<(int Code, string Stdout, string Stderr)> InvokeAsync(params string[] args) => Cli.InvokeAsync(args);
}
