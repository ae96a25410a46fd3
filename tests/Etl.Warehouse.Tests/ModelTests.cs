using Etl.Testing;

namespace Etl.Warehouse.Tests;

public sealed class ModelTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task RunModelsAsync_DependencyOrder_BuildsTablesAndViews()
    {
        using var dir = new TempDirectory("wh-models");
        File.WriteAllText(dir.Combine("b_totals.sql"), "-- materialized: table\n-- depends_on: a_base\nSELECT sum(x) AS s FROM analytics.a_base\n");
        File.WriteAllText(dir.Combine("a_base.sql"), "-- materialized: view\nSELECT generate_series(1, 10) AS x;\n");
        await using var loader = db.Loader();

        (await loader.RunModelsAsync(dir.Path, CancellationToken.None)).ShouldBe(["a_base", "b_totals"]);
        (await loader.RunModelsAsync(dir.Path, CancellationToken.None)).Count.ShouldBe(2);
        (await db.ScalarAsync("SELECT s FROM analytics.b_totals")).ShouldBe(55L);
        (await db.ScalarAsync("SELECT relkind::text FROM pg_class WHERE oid = 'analytics.b_totals'::regclass")).ShouldBe("r");
        (await db.ScalarAsync("SELECT relkind::text FROM pg_class WHERE oid = 'analytics.a_base'::regclass")).ShouldBe("v");
    }

    [Fact]
    public async Task RunModelsAsync_SqlError_NamesModelLineColumnAndMessage()
    {
        using var dir = new TempDirectory("wh-models");
        File.WriteAllText(dir.Combine("good.sql"), "SELECT 1 AS one\n");
        File.WriteAllText(dir.Combine("broken.sql"), "-- materialized: table\n-- depends_on: good\nSELECT 1 AS a,\n       nosuchcol AS b\nFROM analytics.good\n");
        await using var loader = db.Loader();

        var ex = await Should.ThrowAsync<WarehouseException>(() => loader.RunModelsAsync(dir.Path, CancellationToken.None));
        ex.Message.ShouldContain("Model 'broken'");
        ex.Message.ShouldContain("broken.sql:4:8");
        ex.Message.ShouldContain("nosuchcol");
        (await db.ScalarAsync("SELECT to_regclass('analytics.good') IS NULL")).ShouldBe(true);
    }

    [Fact]
    public void Load_Cycle_Throws()
    {
        using var dir = new TempDirectory("wh-models");
        File.WriteAllText(dir.Combine("a.sql"), "-- depends_on: b\nSELECT 1\n");
        File.WriteAllText(dir.Combine("b.sql"), "-- depends_on: a\nSELECT 1\n");
        Should.Throw<WarehouseConfigurationException>(() => ModelSet.Load(dir.Path)).Message.ShouldContain("cycle");
    }
}
