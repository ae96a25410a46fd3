using Etl.Core.Catalog;
using Etl.Core.Definition;
using Etl.Core.Generation;
using Etl.Core.Pipeline;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Core.Tests.Catalog;

/// <summary>The catalog written after a commit makes each dataset a table: the DuckDB file is run for real.</summary>
public sealed class LakeCatalogTests : IDisposable
{
    // The seed's question of the Sales Records data: per country, the two item types with the most revenue.
    private const string TopTwoPerCountry = """
        SELECT country, item_type, revenue::VARCHAR AS revenue FROM (
          SELECT country, item_type, sum(total_revenue) AS revenue,
                 row_number() OVER (PARTITION BY country ORDER BY sum(total_revenue) DESC, item_type) AS rn
          FROM SOURCE GROUP BY country, item_type)
        WHERE rn <= 2 ORDER BY country, rn
        """;

    private readonly TempDirectory _dir = new("lake-catalog");

    private string Lake => _dir.Combine("lake");

    [Fact]
    public async Task Write_SalesRecordsByCountry_DuckDbViewAnswersTheSeedQueryAsTheRawCsvDoes()
    {
        var definition = await SalesRecordsLakeAsync(rows: 3000);

        await new LakeCatalog(definition, new LocalObjectStore(Lake)).WriteAsync(Lake, TestContext.Current.CancellationToken);

        var catalog = await File.ReadAllTextAsync(Path.Combine(Lake, "_meta", "catalog", "duckdb.sql"), TestContext.Current.CancellationToken);
        var viaCatalog = await DuckDb.QueryAsync(catalog + "\n" + TopTwoPerCountry.Replace("SOURCE", "sales_records", StringComparison.Ordinal));
        var csv = DuckDb.Literal(Path.Combine(Lake, "landing", "sales", "sales.csv"));
        var viaCsv = await DuckDb.QueryAsync(TopTwoPerCountry.Replace("SOURCE",
            $"(SELECT \"Country\" AS country, \"Item Type\" AS item_type, \"Total Revenue\"::DECIMAL(18,2) AS total_revenue FROM read_csv({csv}, header = true, all_varchar = true))",
            StringComparison.Ordinal));

        viaCatalog.Rows.Count.ShouldBeGreaterThan(100, "about 185 countries, two rows each");
        viaCatalog.Rows.Select(Text).ShouldBe(viaCsv.Rows.Select(Text));
        (await DuckDb.ScalarAsync(catalog + "\nSELECT typeof(country) FROM sales_records LIMIT 1")).ShouldBe("VARCHAR");
    }

    [Fact]
    public async Task Write_CaptureAndDatePartitionsWithTransforms_ViewHasTypedKeysAndDerivedColumns()
    {
        var dir = _dir.Combine("partner-sales");
        CopyDirectory(RepoPaths.Get("samples", "partner-sales"), dir);
        var definition = PipelineDefinitionLoader.Load(Path.Combine(dir, "pipeline.yaml"));
        var store = new LocalObjectStore(definition.Lake);
        await new PipelineRunner(definition, store).RunAsync(new RunOptions(), cancellationToken: TestContext.Current.CancellationToken);

        await new LakeCatalog(definition, store).WriteAsync(definition.Lake, TestContext.Current.CancellationToken);

        var catalog = await File.ReadAllTextAsync(Path.Combine(definition.Lake, "_meta", "catalog", "duckdb.sql"), TestContext.Current.CancellationToken);
        var glob = DuckDb.Literal(Path.Combine(definition.Lake, "processed", "partner_sales", "**", "*.parquet"));
        (await DuckDb.ScalarAsync(catalog + "\nSELECT typeof(\"year\") || ',' || typeof(partner) || ',' || typeof(revenue) FROM partner_sales LIMIT 1"))
            .ShouldBe("INTEGER,VARCHAR,DECIMAL(18,2)");
        (await DuckDb.ScalarAsync(catalog + "\nSELECT count(*) FROM partner_sales WHERE partner = 'acme' AND \"year\" = 2024"))
            .ShouldBe(await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({glob}) WHERE filename LIKE '%partner=acme%'"));

        var athena = await File.ReadAllTextAsync(Path.Combine(definition.Lake, "_meta", "catalog", "athena.sql"), TestContext.Current.CancellationToken);
        athena.ShouldContain("PARTITIONED BY (`partner` string, `year` int, `month` int)");
        athena.ShouldContain("`revenue` decimal(18,2)");
        athena.ShouldContain("PARTITION (`partner` = 'acme', `year` = '2024', `month` = '1') LOCATION ");
        var synapse = await File.ReadAllTextAsync(Path.Combine(definition.Lake, "_meta", "catalog", "synapse.sql"), TestContext.Current.CancellationToken);
        synapse.ShouldContain("BULK 'processed/partner_sales/partner=*/year=*/month=*/*.parquet'");
        synapse.ShouldContain("r.filepath(1) AS [partner], TRY_CAST(r.filepath(2) AS int) AS [year]");
    }

    [Fact]
    public async Task Write_DatasetWithoutOutput_CommentNotAViewThatWouldFailToBind()
    {
        var definition = await SalesRecordsLakeAsync(rows: 0);

        await new LakeCatalog(definition, new LocalObjectStore(Lake)).WriteAsync(Lake, TestContext.Current.CancellationToken);

        var catalog = await File.ReadAllTextAsync(Path.Combine(Lake, "_meta", "catalog", "duckdb.sql"), TestContext.Current.CancellationToken);
        catalog.ShouldContain("-- sales_records: no output yet.");
        (await DuckDb.ScalarAsync(catalog + "\nSELECT 1")).ShouldBe("1");
    }

    [Fact]
    public async Task Write_Twice_SameBytes()
    {
        var definition = await SalesRecordsLakeAsync(rows: 200);
        var catalog = new LakeCatalog(definition, new LocalObjectStore(Lake));
        var path = Path.Combine(Lake, "_meta", "catalog", "athena.sql");

        await catalog.WriteAsync(TestContext.Current.CancellationToken);
        var first = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
        await catalog.WriteAsync(Lake, TestContext.Current.CancellationToken);

        (await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)).ShouldBe(first);
    }

    public void Dispose() => _dir.Dispose();

    private static string Text(IReadOnlyDictionary<string, System.Text.Json.JsonElement> row) =>
        $"{row["country"].GetString()}|{row["item_type"].GetString()}|{row["revenue"].GetString()}";

    private async Task<PipelineDefinition> SalesRecordsLakeAsync(int rows)
    {
        var yaml = await File.ReadAllTextAsync(RepoPaths.Get("samples", "sales-records", "pipeline.yaml"), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(_dir.Combine("pipeline.yaml"), yaml, TestContext.Current.CancellationToken);
        if (rows > 0)
        {
            Directory.CreateDirectory(Path.Combine(Lake, "landing", "sales"));
            await using var file = File.Create(Path.Combine(Lake, "landing", "sales", "sales.csv"));
            await SalesRecordsGenerator.WriteAsync(file, new SalesRecordsOptions(rows, Seed: 7), TestContext.Current.CancellationToken);
        }

        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        var (_, summary) = await new PipelineRunner(definition, new LocalObjectStore(definition.Lake)).RunAsync(new RunOptions(), cancellationToken: TestContext.Current.CancellationToken);
        summary.RowsRejected.ShouldBe(0);
        return definition;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
