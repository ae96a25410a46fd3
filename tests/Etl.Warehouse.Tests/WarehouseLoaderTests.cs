namespace Etl.Warehouse.Tests;

public sealed class WarehouseLoaderTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly CancellationToken s_ct = CancellationToken.None;

    private static long Sum(IEnumerable<SalesData.Row> rows) => rows.Sum(r => (long)r.TotalCents!.Value);

    private async Task<decimal> FactTotalAsync(string sourceId) =>
        (decimal)(await db.ScalarAsync($"SELECT coalesce(sum(total), 0) FROM warehouse.fact_sales WHERE source_id = '{sourceId}'"))!;

    [Fact]
    public async Task LoadAsync_SameFileTwice_FactRowsReplacedNotDuplicated()
    {
        await using var loader = db.Loader();
        var rows = SalesData.Generate(500, seed: 1);
        var first = await loader.LoadAsync(SalesData.Dataset(), new FileLoadSource("idem-1", "in/a.csv", "\"e1\""), SalesData.Schema, [SalesData.Batch(rows)], s_ct);
        var second = await loader.LoadAsync(SalesData.Dataset(), new FileLoadSource("idem-1", "in/a.csv", "\"e1\""), SalesData.Schema, [SalesData.Batch(rows)], s_ct);

        first.RowsLoaded.ShouldBe(500);
        second.RowsLoaded.ShouldBe(500);
        (await db.ScalarAsync("SELECT count(*) FROM warehouse.fact_sales WHERE source_id = 'idem-1'")).ShouldBe(500L);
        (await FactTotalAsync("idem-1")).ShouldBe(Sum(rows) / 100m);
        var load = (await db.RowsAsync("SELECT status, rows_staged, rows_loaded, load_count, etag FROM warehouse.file_loads WHERE source_id = 'idem-1'")).Single();
        load.ShouldBe(new object?[] { "loaded", 500L, 500L, 2, "\"e1\"" });

        // The fact's keys are not FOREIGN KEY constraints (per-row checks tripled the merge time): they come from joins
        // in the load, so every non-null key must resolve.
        (await db.ScalarAsync("""
            SELECT count(*) FROM warehouse.fact_sales f
            LEFT JOIN warehouse.dim_customer c USING (dim_customer_key)
            LEFT JOIN warehouse.dim_sales_person p USING (dim_sales_person_key)
            LEFT JOIN warehouse.dim_date d USING (date_key)
            WHERE f.source_id = 'idem-1' AND ((f.dim_customer_key IS NOT NULL AND c.dim_customer_key IS NULL)
               OR (f.dim_sales_person_key IS NOT NULL AND p.dim_sales_person_key IS NULL) OR (f.date_key IS NOT NULL AND d.date_key IS NULL))
            """)).ShouldBe(0L);
    }

    [Fact]
    public async Task LoadAsync_CrashBetweenStagingAndCommit_PreviousRowsKeptThenReloadCompletes()
    {
        var v1 = SalesData.Generate(300, seed: 2);
        await using (var ok = db.Loader())
        {
            await ok.LoadAsync(SalesData.Dataset(), new FileLoadSource("crash-1"), SalesData.Schema, [SalesData.Batch(v1)], s_ct);
        }

        var v2 = SalesData.Generate(200, seed: 3);
        await using (var crashing = db.Loader(_ => throw new IOException("injected crash")))
        {
            await Should.ThrowAsync<IOException>(() =>
                crashing.LoadAsync(SalesData.Dataset(), new FileLoadSource("crash-1"), SalesData.Schema, [SalesData.Batch(v2)], s_ct));
        }

        (await db.ScalarAsync("SELECT count(*) FROM warehouse.fact_sales WHERE source_id = 'crash-1'")).ShouldBe(300L);
        (await FactTotalAsync("crash-1")).ShouldBe(Sum(v1) / 100m);
        (await db.ScalarAsync("SELECT status FROM warehouse.file_loads WHERE source_id = 'crash-1'")).ShouldBe("failed");

        await using var again = db.Loader();
        await again.LoadAsync(SalesData.Dataset(), new FileLoadSource("crash-1"), SalesData.Schema, [SalesData.Batch(v2)], s_ct);
        (await db.ScalarAsync("SELECT count(*) FROM warehouse.fact_sales WHERE source_id = 'crash-1'")).ShouldBe(200L);
        (await FactTotalAsync("crash-1")).ShouldBe(Sum(v2) / 100m);
    }

    [Fact]
    public async Task LoadAsync_ServerDropsTheConnectionBeforeCommit_ClearErrorPreviousRowsKeptThenReloadCompletes()
    {
        var v1 = SalesData.Generate(300, seed: 4);
        await using (var ok = db.Loader())
        {
            await ok.LoadAsync(SalesData.Dataset(), new FileLoadSource("restart-1"), SalesData.Schema, [SalesData.Batch(v1)], s_ct);
        }

        // As a server restart does to every session: the load's backend is terminated by the server, mid-transaction.
        var v2 = SalesData.Generate(200, seed: 5);
        await using (var dropped = db.Loader(_ => db.ExecAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db.Name}' AND pid <> pg_backend_pid()")))
        {
            var error = await Should.ThrowAsync<WarehouseException>(() =>
                dropped.LoadAsync(SalesData.Dataset(), new FileLoadSource("restart-1"), SalesData.Schema, [SalesData.Batch(v2)], s_ct));
            error.Message.ShouldContain("Loading source 'restart-1'");
            error.Message.ShouldContain("Nothing was committed");
            error.IsTransient.ShouldBeTrue();
        }

        (await db.ScalarAsync("SELECT count(*) FROM warehouse.fact_sales WHERE source_id = 'restart-1'")).ShouldBe(300L);
        (await FactTotalAsync("restart-1")).ShouldBe(Sum(v1) / 100m);
        (await db.ScalarAsync("SELECT status FROM warehouse.file_loads WHERE source_id = 'restart-1'")).ShouldBe("failed");

        await using var again = db.Loader();
        await again.LoadAsync(SalesData.Dataset(), new FileLoadSource("restart-1"), SalesData.Schema, [SalesData.Batch(v2)], s_ct);
        (await db.ScalarAsync("SELECT count(*) FROM warehouse.fact_sales WHERE source_id = 'restart-1'")).ShouldBe(200L);
        (await FactTotalAsync("restart-1")).ShouldBe(Sum(v2) / 100m);
    }

    [Fact]
    public async Task LoadAsync_ConcurrentDifferentAndSameFiles_NoDuplicatesNoLostRows()
    {
        var a = SalesData.Generate(2000, seed: 4);
        var b = SalesData.Generate(2000, seed: 5);
        await using var loader = db.Loader();
        var ds = SalesData.Dataset();
        await Task.WhenAll(
            Task.Run(() => loader.LoadAsync(ds, new FileLoadSource("conc-a"), SalesData.Schema, [SalesData.Batch(a)], s_ct)),
            Task.Run(() => loader.LoadAsync(ds, new FileLoadSource("conc-b"), SalesData.Schema, [SalesData.Batch(b)], s_ct)),
            Task.Run(() => loader.LoadAsync(ds, new FileLoadSource("conc-a"), SalesData.Schema, [SalesData.Batch(a)], s_ct)),
            Task.Run(() => loader.LoadAsync(ds, new FileLoadSource("conc-b"), SalesData.Schema, [SalesData.Batch(b)], s_ct)));

        (await db.ScalarAsync("SELECT count(*) FROM warehouse.fact_sales WHERE source_id IN ('conc-a', 'conc-b')")).ShouldBe(4000L);
        (await FactTotalAsync("conc-a")).ShouldBe(Sum(a) / 100m);
        (await FactTotalAsync("conc-b")).ShouldBe(Sum(b) / 100m);
        (await db.ScalarAsync("SELECT count(*) FROM (SELECT customer_id FROM warehouse.dim_customer GROUP BY customer_id HAVING count(*) > 1) x")).ShouldBe(0L);
        (await db.ScalarAsync("SELECT count(*) FROM warehouse.fact_sales WHERE source_id IN ('conc-a', 'conc-b') AND (dim_customer_key IS NULL OR date_key IS NULL)")).ShouldBe(0L);
    }

    [Fact]
    public async Task LoadAsync_TypeFidelity_ExactDecimalsDatesTimestampsUnicodeNulls()
    {
        var max38 = Int128.Parse("99999999999999999999999999999999999999", System.Globalization.CultureInfo.InvariantCulture);
        var shipped = new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(1234560);
        SalesData.Row[] rows =
        [
            new(1, new DateOnly(2024, 2, 29), "ü-1", "Zoë 🚀 日本", "p1", null, 9_999_999_999_999_999_99L, max38, shipped, "line1\nline2\t\"q\""),
            new(2, new DateOnly(1900, 1, 1), "ü-2", null, null, "r", -1, -max38, null, null),
            new(3, null, null, "no key", "p1", null, null, null, null, string.Empty),
        ];
        await using var loader = db.Loader();
        await loader.LoadAsync(SalesData.Dataset(), new FileLoadSource("types-1"), SalesData.Schema, [SalesData.Batch(rows)], s_ct);

        var got = await db.RowsAsync("""
            SELECT f.order_id, f.total::text, f.big::text, f.shipped_at, f.note, c.customer_name, dd."date", p.sales_person
            FROM warehouse.fact_sales f
            LEFT JOIN warehouse.dim_customer c USING (dim_customer_key)
            LEFT JOIN warehouse.dim_sales_person p USING (dim_sales_person_key)
            LEFT JOIN warehouse.dim_date dd USING (date_key)
            WHERE f.source_id = 'types-1' ORDER BY f.order_id
            """);
        got.Count.ShouldBe(3);
        got[0].ShouldBe(new object?[] { 1L, "9999999999999999.99", "9999999999999999999999999999.9999999999", shipped, "line1\nline2\t\"q\"", "Zoë 🚀 日本", new DateOnly(2024, 2, 29), "p1" });
        got[1].ShouldBe(new object?[] { 2L, "-0.01", "-9999999999999999999999999999.9999999999", null, null, null, new DateOnly(1900, 1, 1), null });
        got[2].ShouldBe(new object?[] { 3L, null, null, null, string.Empty, "no key", null, "p1" });
        (await db.ScalarAsync("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'warehouse.fact_sales'::regclass AND attname = 'big'")).ShouldBe("numeric(38,10)");
    }

    [Fact]
    public async Task LoadAsync_NumericWireEncoding_EveryScaleAlignmentAndSignExact()
    {
        // total is decimal(18,2), big decimal(38,10): scales that are not multiples of four exercise the base-10000 alignment.
        (long Total, string Big)[] values =
        [
            (0, "0"), (1, "1"), (-1, "-1"), (5, "10000"), (-5, "-0.5"), (10_000, "0.0001"), (100_00, "0.00000001"),
            (123_456_789, "12345.6789"), (-100, "-10000.00000001"), (999_999_999_999_999_999L, "1000000000000000000000000000"),
            (-999_999_999_999_999_999L, "0.0000000001"), (100_000_000, "123456789012345678.9012345678"),
        ];
        var rows = values.Select((v, i) => new SalesData.Row(
            1000 + i, new DateOnly(2024, 1, 1), "n-" + i, "n", "p", null, v.Total,
            Int128.Parse(v.Big.Replace(".", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) * Scale10(v.Big), null, null)).ToArray();
        await using var loader = db.Loader();
        await loader.LoadAsync(SalesData.Dataset(), new FileLoadSource("numeric-1"), SalesData.Schema, [SalesData.Batch(rows)], s_ct);

        var got = await db.RowsAsync("SELECT f.total::text, f.big::text FROM warehouse.fact_sales f WHERE f.source_id = 'numeric-1' ORDER BY f.order_id");

        got.Select(r => ((string)r[0]!, (string)r[1]!)).ShouldBe(values.Select(v => (
            (v.Total < 0 ? "-" : "") + (Math.Abs(v.Total) / 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + (Math.Abs(v.Total) % 100).ToString("D2", System.Globalization.CultureInfo.InvariantCulture),
            Canonical(v.Big))));

        static Int128 Scale10(string text)
        {
            var decimals = text.Contains('.', StringComparison.Ordinal) ? text.Length - text.IndexOf('.', StringComparison.Ordinal) - 1 : 0;
            Int128 factor = 1;
            for (var i = decimals; i < 10; i++)
            {
                factor *= 10;
            }

            return factor;
        }

        static string Canonical(string text)
        {
            var point = text.IndexOf('.', StringComparison.Ordinal);
            var decimals = point < 0 ? 0 : text.Length - point - 1;
            return (point < 0 ? text + "." : text) + new string('0', 10 - decimals);
        }
    }

    [Fact]
    public async Task LoadAsync_Scd2Dimension_ClosesChangedRowAndInsertsNewVersion()
    {
        var ds = SalesData.Dataset(ScdType.Type2) with { Dataset = "sales2", FactTable = "fact_sales2", Marts = [] };
        ds = ds with { Dimensions = [ds.Dimensions[0] with { Table = "dim_customer2" }, ds.Dimensions[1] with { Table = "dim_sales_person2" }] };
        SalesData.Row Row(long id, string name, string region) => new(id, new DateOnly(2024, 3, 1), "k1", name, "p1", region, 100, null, null, null);
        await using var loader = db.Loader();

        await loader.LoadAsync(ds, new FileLoadSource("scd-1"), SalesData.Schema, [SalesData.Batch([Row(1, "Ann", "north")])], s_ct);
        await loader.LoadAsync(ds, new FileLoadSource("scd-1"), SalesData.Schema, [SalesData.Batch([Row(1, "Ann", "north")])], s_ct);
        await loader.LoadAsync(ds, new FileLoadSource("scd-2"), SalesData.Schema, [SalesData.Batch([Row(2, "Ann", "south")])], s_ct);

        var history = await db.RowsAsync("SELECT customer_name, region, valid_to IS NULL, is_current FROM warehouse.dim_customer2 WHERE customer_id = 'k1' ORDER BY valid_from");
        history.Count.ShouldBe(2);
        history[0].ShouldBe(new object?[] { "Ann", "north", false, false });
        history[1].ShouldBe(new object?[] { "Ann", "south", true, true });
        (await db.ScalarAsync("SELECT count(*) FROM warehouse.dim_customer2 WHERE valid_to IS NOT NULL AND valid_to < valid_from")).ShouldBe(0L);

        // Each fact row keeps the version current when it was loaded.
        var facts = await db.RowsAsync("SELECT f.order_id, c.region FROM warehouse.fact_sales2 f JOIN warehouse.dim_customer2 c USING (dim_customer2_key) ORDER BY 1");
        facts.ShouldBe([[1L, "north"], [2L, "south"]]);
    }

    [Fact]
    public async Task LoadAsync_KeyRepeatedInAFile_LastRowOfTheFileWinsForBothScdTypes()
    {
        SalesData.Row Row(long id, string? customer, string name, string region) => new(id, new DateOnly(2024, 4, 1), customer, name, "p1", region, 100, null, null, null);
        SalesData.Row[] rows = [Row(1, "w1", "First", "north"), Row(2, "w2", "Other", "east"), Row(3, "w1", "Second", "south"), Row(4, null, "NullA", "a"), Row(5, "w1", "Third", "west"), Row(6, null, "NullB", "b")];
        foreach (var scd in new[] { ScdType.Type1, ScdType.Type2 })
        {
            var suffix = scd == ScdType.Type1 ? "w_1" : "w_2";
            var ds = SalesData.Dataset(scd) with { Dataset = "wins" + suffix, FactTable = "fact_wins" + suffix, Marts = [] };
            ds = ds with { Dimensions = [ds.Dimensions[0] with { Table = "dim_wcustomer" + suffix }, ds.Dimensions[1] with { Table = "dim_wperson" + suffix }] };
            await using var loader = db.Loader();

            await loader.LoadAsync(ds, new FileLoadSource("wins-" + suffix), SalesData.Schema, [SalesData.Batch(rows)], s_ct);

            var current = scd == ScdType.Type1 ? "" : " WHERE valid_to IS NULL";
            var members = await db.RowsAsync($"SELECT customer_id, customer_name, region FROM warehouse.dim_wcustomer{suffix}{current} ORDER BY customer_id NULLS LAST");
            members.ShouldBe([["w1", "Third", "west"], ["w2", "Other", "east"], [null, "NullB", "b"]], $"SCD {scd}");
            (await db.ScalarAsync($"SELECT count(*) FROM warehouse.fact_wins{suffix} f JOIN warehouse.dim_wcustomer{suffix} c USING (dim_wcustomer{suffix}_key) WHERE c.customer_name = 'Third'")).ShouldBe(3L);
        }
    }

    [Fact]
    public async Task Marts_MonthlyTotalsAndTopPerformer_MatchHandComputedAggregates()
    {
        var ds = SalesData.Dataset() with { Dataset = "martsales", FactTable = "fact_mart" };
        ds = ds with
        {
            Dimensions = [ds.Dimensions[0] with { Table = "dim_mcustomer" }, ds.Dimensions[1] with { Table = "dim_mperson" }],
            Marts = [new WarehouseMart("m_customer_month", "dim_mcustomer", "total"), new WarehouseMart("m_person_month", "dim_mperson", "total", TopPerformer: true)],
        };
        var rows = SalesData.Generate(3000, seed: 9);
        await using var loader = db.Loader();
        await loader.LoadAsync(ds, new FileLoadSource("mart-1"), SalesData.Schema, [SalesData.Batch(rows.Take(1500))], s_ct);
        await loader.LoadAsync(ds, new FileLoadSource("mart-2"), SalesData.Schema, [SalesData.Batch(rows.Skip(1500))], s_ct);

        var expected = rows.GroupBy(r => (r.Customer, Month: new DateOnly(r.Date!.Value.Year, r.Date.Value.Month, 1)))
            .Select(g => (Customer: g.Key.Customer!, g.Key.Month, Total: g.Sum(r => (long)r.TotalCents!.Value) / 100m))
            .OrderBy(x => x.Customer, StringComparer.Ordinal).ThenBy(x => x.Month).ToList();
        var got = await db.RowsAsync("SELECT customer_id, month, total FROM analytics.m_customer_month ORDER BY customer_id COLLATE \"C\", month");
        got.Select(r => ((string)r[0]!, (DateOnly)r[1]!, (decimal)r[2]!)).ShouldBe(expected);

        var perPerson = rows.GroupBy(r => (r.SalesPerson, Month: new DateOnly(r.Date!.Value.Year, r.Date.Value.Month, 1)))
            .Select(g => (SalesPerson: g.Key.SalesPerson!, g.Key.Month, Total: g.Sum(r => (long)r.TotalCents!.Value) / 100m)).ToList();
        var tops = perPerson.GroupBy(x => x.Month).Select(g => (Month: g.Key, Person: g.MaxBy(x => x.Total).SalesPerson)).OrderBy(x => x.Month).ToList();
        var gotTops = await db.RowsAsync("SELECT month, sales_person FROM analytics.m_person_month WHERE is_top_performer ORDER BY month");
        gotTops.Select(r => ((DateOnly)r[0]!, (string)r[1]!)).ShouldBe(tops);
        (await db.ScalarAsync("SELECT count(*) FROM analytics.m_person_month")).ShouldBe((long)perPerson.Count);
    }

    [Fact]
    public void Validate_BadIdentifier_NamesKeyAndFix()
    {
        var ds = SalesData.Dataset() with { FactTable = "fact\"; DROP TABLE x; --" };
        var ex = Should.Throw<WarehouseConfigurationException>(ds.Validate);
        ex.Message.ShouldContain("warehouse[sales].fact");
        ex.Message.ShouldContain("lower-case letters");
    }
}
