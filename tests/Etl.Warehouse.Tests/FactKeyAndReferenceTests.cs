namespace Etl.Warehouse.Tests;

/// <summary>
/// Facts keyed across source files (an OLTP table extracted incrementally: a row updated in the source arrives again in
/// a later file) and dimensions fed by a dataset of their own, which facts only join to.
/// </summary>
public sealed class FactKeyAndReferenceTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly CancellationToken s_ct = CancellationToken.None;
    private static readonly DateTime s_t1 = new(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime s_t2 = s_t1.AddMinutes(1);

    private static SalesData.Row Row(long id, string customer, long cents, DateTime version) =>
        new(id, new DateOnly(2024, 5, 1), customer, "Customer " + customer, "p1", "r1", cents, null, version, null);

    private static WarehouseDataset Keyed(string name, string? version) =>
        new(name, "fact_" + name, ["total"], [new WarehouseDimension("dim_" + name + "_customer", ["customer_id"], ["customer_name"])], "order_date")
        {
            FactKey = ["order_id"],
            FactVersion = version,
        };

    [Fact]
    public async Task LoadAsync_FactKeyWithVersion_LaterFileReplacesTheRowAndAnOlderReloadDoesNot()
    {
        await using var loader = db.Loader();
        var ds = Keyed("kv", "shipped_at");
        var a = new FileLoadSource("kv-a", "landing/sales/a.parquet", "\"a\"");
        var b = new FileLoadSource("kv-b", "landing/sales/b.parquet", "\"b\"");

        await loader.LoadAsync(ds, a, SalesData.Schema, [SalesData.Batch([Row(1, "c1", 1000, s_t1), Row(2, "c2", 2000, s_t1)])], s_ct);
        await loader.LoadAsync(ds, b, SalesData.Schema, [SalesData.Batch([Row(1, "c1", 1500, s_t2)])], s_ct);
        var afterB = await FactAsync("fact_kv");
        var reloadA = await loader.LoadAsync(ds, a, SalesData.Schema, [SalesData.Batch([Row(1, "c1", 1000, s_t1), Row(2, "c2", 2000, s_t1)])], s_ct);

        afterB.ShouldBe(["1|kv-b|15.00", "2|kv-a|20.00"]);
        (await FactAsync("fact_kv")).ShouldBe(afterB, "the older version of order 1 in file a does not replace the newer one");
        reloadA.RowsLoaded.ShouldBe(1);
    }

    [Fact]
    public async Task LoadAsync_FactKeyWithoutVersion_TheFileLoadedLastWins()
    {
        await using var loader = db.Loader();
        var ds = Keyed("kn", null);

        await loader.LoadAsync(ds, new FileLoadSource("kn-a", "a", "\"a\""), SalesData.Schema, [SalesData.Batch([Row(1, "c1", 1000, s_t1), Row(1, "c1", 1100, s_t1)])], s_ct);
        await loader.LoadAsync(ds, new FileLoadSource("kn-b", "b", "\"b\""), SalesData.Schema, [SalesData.Batch([Row(1, "c1", 1500, s_t2)])], s_ct);
        var afterB = await FactAsync("fact_kn");
        await loader.LoadAsync(ds, new FileLoadSource("kn-a", "a", "\"a\""), SalesData.Schema, [SalesData.Batch([Row(1, "c1", 1000, s_t1), Row(1, "c1", 1100, s_t1)])], s_ct);

        afterB.ShouldBe(["1|kn-b|15.00"]);
        (await FactAsync("fact_kn")).ShouldBe(["1|kn-a|11.00"], "one row per key: the last row of the file loaded last");
    }

    [Fact]
    public async Task LoadAsync_DimensionOnlyDatasetAndAReference_FactJoinsToTheCurrentMemberAndNeverWritesIt()
    {
        await using var loader = db.Loader();
        var owner = new WarehouseDimension("dim_ref_customer", ["customer_id"], ["customer_name", "region"], ScdType.Type2);
        var customers = new WarehouseDataset("ref_customers", null, [], [owner]);
        var orders = new WarehouseDataset("ref_orders", "fact_ref_orders", ["total"], [owner with { IsReference = true }], "order_date");

        var dims = await loader.LoadAsync(customers, new FileLoadSource("rc-1", "landing/customers/1.parquet", "\"1\""), SalesData.Schema,
            [SalesData.Batch([Row(0, "c1", 0, s_t1), Row(0, "c2", 0, s_t1)])], s_ct);
        await loader.LoadAsync(orders, new FileLoadSource("ro-1", "landing/orders/1.parquet", "\"1\""), SalesData.Schema,
            [SalesData.Batch([Row(7, "c1", 700, s_t1) with { CustomerName = "ignored by the fact", Region = "ignored" }, Row(8, "c9", 800, s_t1)])], s_ct);

        dims.RowsLoaded.ShouldBe(2);
        (await db.ScalarAsync("SELECT count(*) FROM warehouse.dim_ref_customer")).ShouldBe(2L, "the fact load never adds or versions members");
        (await db.ScalarAsync("SELECT customer_name FROM warehouse.dim_ref_customer WHERE customer_id = 'c1'")).ShouldBe("Customer c1");
        (await db.RowsAsync("""
            SELECT f.total, c.customer_id FROM warehouse.fact_ref_orders f LEFT JOIN warehouse.dim_ref_customer c USING (dim_ref_customer_key) ORDER BY f.total
            """)).ShouldBe([[7.00m, "c1"], [8.00m, null]], "a member missing from the dimension leaves the key empty");
    }

    [Fact]
    public void Load_WarehouseSection_ReferencesResolvedAndFactlessMistakesReported()
    {
        using var dir = new Etl.Testing.TempDirectory("wh-def");
        var path = dir.Combine("pipeline.yaml");
        File.WriteAllText(path, """
            warehouse:
              datasets:
                customers:
                  dimensions:
                    - { table: dim_customer, natural_key: [customer_id], attributes: [name, city], scd: 2 }
                sales:
                  fact: fact_sales
                  key: [sale_id]
                  version: updated_at
                  measures: [revenue]
                  dimensions:
                    - { table: dim_customer, natural_key: [customer_id] }
            """);
        var ok = WarehouseDefinition.Load(path)!;
        File.WriteAllText(path, """
            warehouse:
              datasets:
                customers:
                  measures: [x]
                  dimensions:
                    - { table: dim_customer, natural_key: [customer_id], attributes: [name] }
                sales:
                  fact: fact_sales
                  version: updated_at
                  dimensions:
                    - { table: dim_customer, natural_key: [id] }
            """);
        var bad = Should.Throw<WarehouseConfigurationException>(() => WarehouseDefinition.Load(path));

        var reference = ok.Datasets.Single(d => d.Dataset == "sales").Dimensions.Single();
        (reference.IsReference, reference.Scd, string.Join(",", reference.Attributes)).ShouldBe((true, ScdType.Type2, "name,city"));
        ok.Datasets.Single(d => d.Dataset == "customers").FactTable.ShouldBeNull();
        bad.Message.ShouldContain("measures, date_column, marts, key and version belong to a fact");
        bad.Message.ShouldContain("a version orders the rows of one key; declare 'key: [...]' too");
    }

    private async Task<List<string>> FactAsync(string table) =>
        [.. (await db.RowsAsync($"SELECT order_id || '|' || source_id || '|' || total FROM warehouse.{table} ORDER BY order_id")).Select(r => (string)r[0]!)];
}
