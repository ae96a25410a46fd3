using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.Pipeline;

/// <summary>Runs pipelines with transforms end to end on a temp lake and checks the Parquet with DuckDB.</summary>
public sealed class TransformPipelineTests : IDisposable
{
    private const string Yaml = """
        pipeline: partner-sales
        lake: ./lake
        options: { max_parallel_files: 2 }
        datasets:
          - name: partner_sales
            match: "landing/partners/{partner}/*.csv"
            columns:
              - { name: order_id, type: int64, required: true }
              - { name: order_date, type: date, required: true }
              - { name: store_id, type: string }
              - { name: units_sold, type: int32 }
              - { name: unit_price, type: "decimal(18,2)" }
              - { name: currency, type: string }
            extra_columns: drop
            partition_by: [partner, year(order_date), month(order_date)]
            transforms:
              - code: { name: dozens_to_units, options: { columns: units_sold, when_capture: partner, equals: dozen } }
              - derive:
                  revenue: units_sold * unit_price
                  big: "case when units_sold >= 10 then 'yes' else 'no' end"
              - convert_currency:
                  rates: reference/currency/
                  amounts: [revenue]
                  currency_column: currency
                  date: order_date
              - lookup: { table: reference/stores.csv, key: store_id, columns: { region: store_region }, on_missing: keep }
              - late_rows: { date: order_date, key: partner }
          - name: other
            match: "landing/other/*.csv"
            columns:
              - { name: id, type: int64 }
            extra_columns: drop
        """;

    private readonly TempDirectory _dir = new("transform-e2e");

    public TransformPipelineTests()
    {
        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml);
        Land("reference/currency/rates-1.csv", "currency,effective_date,rate_to_usd\nEUR,2024-01-01,1.10\nEUR,2024-02-01,1.15\nGBP,2024-01-01,1.25\n");
        Land("reference/stores.csv", "store_id,region\nS1,North\nS2,South\n");
    }

    private string Lake => _dir.Combine("lake");

    private string Glob => DuckDb.Literal(Path.Combine(Lake, "processed", "partner_sales", "**", "*.parquet"));

    [Fact]
    public async Task Run_CurrencyDeriveLookupCode_ExactSumsPerPartition()
    {
        Land("landing/partners/acme/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,2,10.00,EUR\n2,2024-01-20,S2,1,0.05,EUR\n3,2024-02-01,S9,3,1.00,USD\n");
        Land("landing/partners/dozen/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n10,2024-01-07,S1,1,2.00,GBP\n");

        var summary = await RunAsync();

        summary.FilesSucceeded.ShouldBe(2);
        summary.RowsWritten.ShouldBe(4);
        var rows = await DuckDb.QueryAsync($"""
            SELECT partner, year, month, count(*)::VARCHAR AS n, sum(revenue_usd)::VARCHAR AS usd, string_agg(coalesce(store_region, '-'), ',' ORDER BY order_id) AS regions,
                   string_agg(big, ',' ORDER BY order_id) AS big
            FROM read_parquet({Glob}, hive_partitioning = true) GROUP BY ALL ORDER BY ALL
            """);

        // 2 x 10.00 EUR at 1.10 = 22.00; 0.05 EUR at 1.10 = 0.055 -> 0.06 (half away from zero); 3.00 USD at 1;
        // dozen: 1 dozen -> 12 units x 2.00 GBP at 1.25 = 30.00.
        rows.Rows.Select(r => $"{r["partner"]}/{r["year"]}/{r["month"]}:{r["n"].GetString()}:{r["usd"].GetString()}:{r["regions"].GetString()}:{r["big"].GetString()}")
            .ShouldBe(["acme/2024/1:2:22.06:North,South:no,no", "acme/2024/2:1:3.00:-:no", "dozen/2024/1:1:30.00:North:yes"]);
        (await DuckDb.ScalarAsync($"SELECT typeof(revenue_usd) FROM read_parquet({Glob}) LIMIT 1")).ShouldBe("DECIMAL(18,2)");
        var acme = summary.Files.Single(f => f.File.Key.Contains("acme", StringComparison.Ordinal));
        acme.Notes.ShouldNotBeNull();
        acme.Notes.Values.Sum().ShouldBe(1, "the row with unknown store S9 is kept with a null region and counted");
    }

    [Fact]
    public async Task Run_MissingRate_RowRejected_ThenRateAdded_OnlyThatFileRetried()
    {
        Land("landing/partners/acme/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,1,10.00,EUR\n2,2024-01-06,S1,1,10.00,JPY\n");
        Land("landing/partners/zeta/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n5,2024-01-05,S1,1,1.00,USD\n");

        var first = await RunAsync();

        var acme = first.Files.Single(f => f.File.Key.Contains("acme", StringComparison.Ordinal));
        acme.RowsRejected.ShouldBe(1);
        var reject = File.ReadAllLines(Path.Combine(Lake, "rejects", "partner_sales", acme.File.SourceId + ".jsonl")).Single();
        reject.ShouldContain("no USD rate for JPY on or before 2024-01-06");
        reject.ShouldContain("\"line\":3");

        Land("reference/currency/rates-2.csv", "currency,effective_date,rate_to_usd\nEUR,2024-01-01,1.10\nEUR,2024-02-01,1.15\nGBP,2024-01-01,1.25\nJPY,2024-01-01,0.0070\n");
        var dry = await RunAsync(new RunOptions(DryRun: true));
        var second = await RunAsync();

        dry.Files.Select(f => (f.File.Key, f.File.Reason)).ShouldBe([("landing/partners/acme/2024-01.csv", "reference_changed")]);
        second.Files.Select(f => (f.File.Key, f.File.Reason)).ShouldBe([("landing/partners/acme/2024-01.csv", "reference_changed")]);
        second.Files.Single().RowsRejected.ShouldBe(0);
        (await DuckDb.ScalarAsync($"SELECT sum(revenue_usd)::VARCHAR FROM read_parquet({Glob})")).ShouldBe("12.07");
        (await RunAsync()).Files.ShouldBeEmpty();
    }

    [Fact]
    public async Task Run_DerivedExpressionChanged_DatasetReprocessedAndReplaced_OtherDatasetUntouched()
    {
        Land("landing/partners/acme/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,2,10.00,USD\n");
        Land("landing/partners/acme/2024-02.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n2,2024-02-05,S1,3,10.00,USD\n");
        Land("landing/other/x.csv", "id\n1\n");
        await RunAsync();
        var before = Directory.GetFiles(Path.Combine(Lake, "processed"), "*.parquet", SearchOption.AllDirectories).Order().ToArray();

        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml.Replace("revenue: units_sold * unit_price", "revenue: units_sold * unit_price * 2", StringComparison.Ordinal));
        var summary = await RunAsync();

        summary.Files.Select(f => (f.File.Key, f.File.Reason)).OrderBy(x => x.Key).ShouldBe([
            ("landing/partners/acme/2024-01.csv", "definition_changed"),
            ("landing/partners/acme/2024-02.csv", "definition_changed")]);
        Directory.GetFiles(Path.Combine(Lake, "processed"), "*.parquet", SearchOption.AllDirectories).Order().ToArray().ShouldBe(before, "outputs are replaced in place: nothing duplicated, nothing orphaned");
        (await DuckDb.ScalarAsync($"SELECT sum(revenue_usd)::VARCHAR || '/' || count(*) FROM read_parquet({Glob})")).ShouldBe("100.00/2");
    }

    [Fact]
    public async Task Run_OnlyRunTimeOptionsChanged_NothingReprocessed()
    {
        Land("landing/partners/acme/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,2,10.00,USD\n");
        await RunAsync();

        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml.Replace("max_parallel_files: 2", "max_parallel_files: 4", StringComparison.Ordinal));
        var summary = await RunAsync();

        summary.Files.ShouldBeEmpty();
    }

    [Fact]
    public async Task Run_MonthlyFileRepeatsOlderMonth_LateRowsFilteredCountedNeverDuplicated()
    {
        Land("landing/partners/acme/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,1,1.00,USD\n2,2024-01-25,S1,1,1.00,USD\n");
        await RunAsync();
        Land("landing/partners/acme/2024-02.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,1,1.00,USD\n2,2024-01-25,S1,1,1.00,USD\n3,2024-02-02,S1,1,1.00,USD\n");
        Land("landing/partners/other/2024-02.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n9,2024-01-05,S1,1,1.00,USD\n");

        var second = await RunAsync();

        var feb = second.Files.Single(f => f.File.Key == "landing/partners/acme/2024-02.csv");
        feb.RowsWritten.ShouldBe(1);
        feb.RowsFiltered.ShouldBe(new Dictionary<string, long> { ["late"] = 2 });
        second.Files.Single(f => f.File.Key.Contains("other", StringComparison.Ordinal)).RowsWritten.ShouldBe(1, "watermarks are per partner");
        second.RowsFiltered.ShouldBe(2);
        (await DuckDb.ScalarAsync($"SELECT string_agg(order_id::VARCHAR, ',' ORDER BY order_id) FROM read_parquet({Glob})")).ShouldBe("1,2,3,9");

        var again = await RunAsync(new RunOptions(ReprocessAll: true));

        again.Files.Count.ShouldBe(3);
        again.RowsFiltered.ShouldBe(2, "the January file keeps its own rows when reprocessed; February's repeats stay filtered");
        (await DuckDb.ScalarAsync($"SELECT string_agg(order_id::VARCHAR, ',' ORDER BY order_id) FROM read_parquet({Glob})")).ShouldBe("1,2,3,9");
        foreach (var f in again.Files)
        {
            f.RowsRead.ShouldBe(f.RowsWritten + f.RowsRejected + f.RowsFiltered.Values.Sum(), f.File.Key);
        }
    }

    [Fact]
    public async Task Run_FirstRunWithSeveralMonthlyFilesOfOnePartner_RoundsInOrderNoDuplicates()
    {
        Land("landing/partners/acme/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,1,1.00,USD\n");
        Land("landing/partners/acme/2024-02.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,1,1.00,USD\n2,2024-02-05,S1,1,1.00,USD\n");
        Land("landing/partners/acme/2024-03.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,1,1.00,USD\n2,2024-02-05,S1,1,1.00,USD\n3,2024-03-05,S1,1,1.00,USD\n");
        Land("landing/partners/bolt/2024-03.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n7,2024-01-05,S1,1,1.00,USD\n");

        var dry = await RunAsync(new RunOptions(DryRun: true));
        var summary = await RunAsync();

        dry.Files.Select(f => f.File.Key).ShouldBe(["landing/partners/acme/2024-01.csv", "landing/partners/bolt/2024-03.csv"], "one file per partner per round");
        summary.Files.Count.ShouldBe(4);
        summary.RowsWritten.ShouldBe(4);
        summary.RowsFiltered.ShouldBe(3);
        (await DuckDb.ScalarAsync($"SELECT string_agg(order_id::VARCHAR, ',' ORDER BY order_id) FROM read_parquet({Glob})")).ShouldBe("1,2,3,7");
        Directory.GetFiles(Path.Combine(Lake, "_meta", "manifest")).Length.ShouldBe(3, "three rounds, one manifest segment each");

        var again = await RunAsync(new RunOptions(ReprocessAll: true));

        again.Files.Count.ShouldBe(4, "each file once, over three rounds");
        again.RowsFiltered.ShouldBe(3);
        (await DuckDb.ScalarAsync($"SELECT string_agg(order_id::VARCHAR, ',' ORDER BY order_id) FROM read_parquet({Glob})")).ShouldBe("1,2,3,7");
    }

    [Fact]
    public async Task Run_TransformConfigurationWrong_ClearErrorBeforeAnyOutput()
    {
        File.WriteAllText(_dir.Combine("pipeline.yaml"), Yaml.Replace("units_sold * unit_price", "units_sold * unit_prize", StringComparison.Ordinal));
        Land("landing/partners/acme/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-01-05,S1,2,10.00,USD\n");

        var ex = await Should.ThrowAsync<PipelineDefinitionException>(() => RunAsync());

        ex.Message.ShouldContain("pipeline.yaml:");
        ex.Message.ShouldContain("unit_prize");
        Directory.Exists(Path.Combine(Lake, "processed")).ShouldBeFalse();
        Directory.Exists(Path.Combine(Lake, "_meta", "manifest")).ShouldBeFalse();
    }

    [Fact]
    public void Load_UnknownCodeTransform_ProblemWithLocationAndRegisteredNames()
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => PipelineDefinitionLoader.Parse(Yaml.Replace("name: dozens_to_units", "name: dozens", StringComparison.Ordinal), "p.yaml"));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("no code transform named 'dozens'; registered: dozens_to_units");
        ex.Problems[0].ShouldStartWith("p.yaml:");
    }

    [Fact]
    public async Task Run_ManifestRecordsCarryDatasetVersionAndPeriods()
    {
        Land("landing/partners/acme/2024-01.csv", "order_id,order_date,store_id,units_sold,unit_price,currency\n1,2024-03-05,S1,1,1.00,USD\n");

        await RunAsync();

        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var manifest = await Manifest.LoadAsync(new LocalObjectStore(Lake), TestContext.Current.CancellationToken);
        var record = manifest.Latest["landing/partners/acme/2024-01.csv"];
        record.PipelineVersion.ShouldBe(definition.Datasets[0].Version);
        record.LatestPeriods.ShouldBe(new Dictionary<string, string> { ["acme"] = "2024-03-05" });
        JsonSerializer.Serialize(record, EtlJson.Default.ManifestRecord).ShouldContain("\"latestPeriods\"");
    }

    public void Dispose() => _dir.Dispose();

    private void Land(string key, string content)
    {
        var path = Path.Combine(Lake, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private async Task<RunSummary> RunAsync(RunOptions? options = null)
    {
        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var (discovered, summary) = await new PipelineRunner(definition, new LocalObjectStore(Lake)).RunAsync(options ?? new RunOptions(), null, TestContext.Current.CancellationToken);
        return options?.DryRun == true ? summary with { Files = [.. discovered.Files.Select(f => new FileResult(f, FileStatus.Succeeded, 0, 0, 0, new Dictionary<string, long>(), [], 0, 0))] } : summary;
    }
}
