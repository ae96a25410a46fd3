using System.Text.Json;
using Etl.Testing;

namespace Etl.Cli.Tests;

/// <summary>
/// Each shipped sample, created with <c>etl init</c> and run with <c>etl run</c>, checked per partition against the same
/// figures computed independently by DuckDB from the landed CSVs and reference tables.
/// </summary>
public sealed class SampleTests : IDisposable
{
    private readonly TempDirectory _dir = new("cli-samples");

    [Fact]
    public async Task PartnerSales_UsdPerPartitionMatchesDuckDbOverTheSourceFiles()
    {
        var lake = await InitAndRunAsync("partner-sales", expectedExit: 1);

        var landing = Path.Combine(lake, "landing", "partners");
        var expected = await DuckDb.QueryAsync($"""
            WITH a AS (
                SELECT 'acme' AS partner, filename AS f, "Order ID"::BIGINT AS order_id, TRY_STRPTIME("Order Date", '%-m/%-d/%Y')::DATE AS d,
                       "Units Sold"::INT AS u, "Unit Price"::DECIMAL(18,2) AS p
                FROM read_csv({DuckDb.Literal(Path.Combine(landing, "acme", "*.csv"))}, filename = true, all_varchar = true)),
            z AS (
                SELECT 'zenith' AS partner, filename AS f, order_id::BIGINT AS order_id, TRY_STRPTIME(order_date, '%-m/%-d/%Y')::DATE AS d,
                       qty::INT AS u, price::DECIMAL(18,2) AS p
                FROM read_csv({DuckDb.Literal(Path.Combine(landing, "zenith", "2024-02.csv"))}, filename = true, all_varchar = true)),
            src AS (SELECT * FROM a UNION ALL SELECT * FROM z),
            firsts AS (SELECT * FROM src WHERE d IS NOT NULL QUALIFY row_number() OVER (PARTITION BY partner, order_id ORDER BY f) = 1),
            rates AS (
                SELECT currency, strptime(effective_month, '%Y-%m')::DATE AS m, rate_to_usd::DECIMAL(18,6) AS rate
                FROM read_csv({DuckDb.Literal(Path.Combine(lake, "reference", "currency", "rates-2024.csv"))}, all_varchar = true))
            SELECT partner, year(d)::VARCHAR AS y, month(d)::VARCHAR AS mo, count(*)::VARCHAR AS n,
                   sum(round(p * rate, 2))::VARCHAR AS price_usd, sum(round(round(u * p, 2) * rate, 2))::VARCHAR AS revenue_usd
            FROM firsts JOIN rates ON rates.currency = CASE partner WHEN 'acme' THEN 'EUR' ELSE 'GBP' END AND rates.m = date_trunc('month', d)
            GROUP BY ALL ORDER BY ALL
            """);
        var actual = await DuckDb.QueryAsync($"""
            SELECT partner, year::VARCHAR AS y, month::VARCHAR AS mo, count(*)::VARCHAR AS n,
                   sum(unit_price_usd)::VARCHAR AS price_usd, sum(revenue_usd)::VARCHAR AS revenue_usd
            FROM read_parquet({DuckDb.Literal(Path.Combine(lake, "processed", "**", "*.parquet"))}, hive_partitioning = true)
            GROUP BY ALL ORDER BY ALL
            """);

        Rows(actual).ShouldBe(Rows(expected));
        Rows(actual).Count.ShouldBe(4);
    }

    [Fact]
    public async Task StoreSales_LookupsPerMonthMatchDuckDbJoins_ExtraColumnRescued()
    {
        var lake = await InitAndRunAsync("store-sales", expectedExit: 0);

        string Ref(string name) => DuckDb.Literal(Path.Combine(lake, "reference", name));
        var expected = await DuckDb.QueryAsync($"""
            SELECT year(s.sale_date::DATE)::VARCHAR AS y, month(s.sale_date::DATE)::VARCHAR AS mo, count(*)::VARCHAR AS n,
                   sum(s.quantity::INT * s.unit_price::DECIMAL(18,2))::VARCHAR AS revenue, count(t.team)::VARCHAR AS with_team,
                   string_agg(DISTINCT p.category, ',' ORDER BY p.category) AS categories, string_agg(DISTINCT st.region, ',' ORDER BY st.region) AS regions
            FROM read_csv({DuckDb.Literal(Path.Combine(lake, "landing", "store-sales", "*.csv"))}, all_varchar = true, union_by_name = true) s
            JOIN read_csv({Ref("customers.csv")}, all_varchar = true) c USING (customer_id)
            JOIN read_csv({Ref("stores.csv")}, all_varchar = true) st USING (store_id)
            JOIN read_csv({Ref("products.csv")}, all_varchar = true) p USING (product_id)
            LEFT JOIN read_csv({Ref("sales_team.csv")}, all_varchar = true) t USING (sales_person_id)
            GROUP BY ALL ORDER BY ALL
            """);
        var glob = DuckDb.Literal(Path.Combine(lake, "processed", "**", "*.parquet"));
        var actual = await DuckDb.QueryAsync($"""
            SELECT year::VARCHAR AS y, month::VARCHAR AS mo, count(*)::VARCHAR AS n, sum(revenue)::VARCHAR AS revenue, count(team)::VARCHAR AS with_team,
                   string_agg(DISTINCT category, ',' ORDER BY category) AS categories, string_agg(DISTINCT region, ',' ORDER BY region) AS regions
            FROM read_parquet({glob}, hive_partitioning = true) GROUP BY ALL ORDER BY ALL
            """);

        Rows(actual).ShouldBe(Rows(expected));
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({glob}) WHERE _rescued = '{{\"promo_code\":\"SPRING10\"}}'")).ShouldBe("3");
        (await DuckDb.ScalarAsync($"SELECT customer_name || '/' || store_name || '/' || product_name FROM read_parquet({glob}) WHERE sale_id = 1000")).ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task SalesRecords_CountsAndRevenuePerCountryMatchDuckDbOverTheGoodRows()
    {
        var lake = await InitAndRunAsync("sales-records", expectedExit: 0);

        var expected = await DuckDb.QueryAsync($"""
            WITH t AS (
                SELECT "Country" AS country, TRY_STRPTIME("Order Date", '%-m/%-d/%Y') AS od, TRY_STRPTIME("Ship Date", '%-m/%-d/%Y') AS sd,
                       TRY_CAST("Order ID" AS BIGINT) AS id, TRY_CAST("Units Sold" AS INT) AS u,
                       TRY_CAST("Unit Price" AS DECIMAL(18,2)) AS up, TRY_CAST("Unit Cost" AS DECIMAL(18,2)) AS uc,
                       TRY_CAST("Total Revenue" AS DECIMAL(18,2)) AS tr, TRY_CAST("Total Cost" AS DECIMAL(18,2)) AS tc,
                       TRY_CAST("Total Profit" AS DECIMAL(18,2)) AS tp
                FROM read_csv({DuckDb.Literal(Path.Combine(lake, "landing", "sales", "*.csv"))}, all_varchar = true))
            SELECT country, count(*)::VARCHAR AS n, sum(tr)::VARCHAR AS revenue FROM t
            WHERE od IS NOT NULL AND sd IS NOT NULL AND id IS NOT NULL AND u IS NOT NULL AND up IS NOT NULL AND uc IS NOT NULL
              AND tr IS NOT NULL AND tc IS NOT NULL AND tp IS NOT NULL
            GROUP BY ALL ORDER BY ALL
            """);
        var actual = await DuckDb.QueryAsync($"""
            SELECT country, count(*)::VARCHAR AS n, sum(total_revenue)::VARCHAR AS revenue
            FROM read_parquet({DuckDb.Literal(Path.Combine(lake, "processed", "**", "*.parquet"))}, hive_partitioning = true)
            GROUP BY ALL ORDER BY ALL
            """);

        Rows(actual).Count.ShouldBeGreaterThan(100);
        Rows(actual).ShouldBe(Rows(expected));
    }

    [Fact]
    public async Task SalesRecordsJsonl_CountsAndRevenuePerCountryMatchDuckDbReadJson()
    {
        var lake = await InitAndRunAsync("sales-records-jsonl", expectedExit: 0);
        const string columns = "{'Country': 'VARCHAR', 'Order Date': 'VARCHAR', 'Units Sold': 'VARCHAR', 'Unit Price': 'VARCHAR', 'Total Revenue': 'VARCHAR'}";

        var expected = await DuckDb.QueryAsync($"""
            WITH t AS (
                SELECT "Country" AS country, TRY_STRPTIME("Order Date", '%-m/%-d/%Y') AS od, TRY_CAST("Units Sold" AS INT) AS u,
                       TRY_CAST("Unit Price" AS DECIMAL(18,2)) AS up, "Total Revenue"::DECIMAL(18,2) AS tr
                FROM read_json({DuckDb.Literal(Path.Combine(lake, "landing", "sales", "*.jsonl"))}, format = 'newline_delimited', columns = {columns}))
            SELECT country, count(*)::VARCHAR AS n, sum(tr)::VARCHAR AS revenue FROM t
            WHERE od IS NOT NULL AND u IS NOT NULL AND up IS NOT NULL GROUP BY ALL ORDER BY ALL
            """);
        var actual = await DuckDb.QueryAsync($"""
            SELECT country, count(*)::VARCHAR AS n, sum(total_revenue)::VARCHAR AS revenue
            FROM read_parquet({DuckDb.Literal(Path.Combine(lake, "processed", "**", "*.parquet"))}, hive_partitioning = true)
            GROUP BY ALL ORDER BY ALL
            """);

        Rows(actual).Count.ShouldBeGreaterThan(100);
        Rows(actual).ShouldBe(Rows(expected));
    }

    [Fact]
    public async Task SalesRecordsParquet_EveryRowMatchesDuckDbReadParquet()
    {
        var lake = await InitAndRunAsync("sales-records-parquet", expectedExit: 0);

        var expected = await DuckDb.QueryAsync($"""
            SELECT md5(string_agg(concat_ws('|', "Order ID", "Country", "Order Date", "Ship Date", "Units Sold", "Unit Price", "Total Profit"), ',' ORDER BY "Order ID")) AS h, count(*)::VARCHAR AS n
            FROM read_parquet({DuckDb.Literal(Path.Combine(lake, "landing", "sales", "*.parquet"))})
            """);
        var actual = await DuckDb.QueryAsync($"""
            SELECT md5(string_agg(concat_ws('|', order_id, country, order_date, ship_date, units_sold, unit_price, total_profit), ',' ORDER BY order_id)) AS h, count(*)::VARCHAR AS n
            FROM read_parquet({DuckDb.Literal(Path.Combine(lake, "processed", "**", "*.parquet"))}, hive_partitioning = true)
            """);

        Rows(actual).ShouldBe(Rows(expected));
        Rows(actual).Single().ShouldEndWith("|2000");
    }

    [Fact]
    public async Task SalesRecordsUrl_ZipFetchedUnpackedRenamedAndQueryable_ThenNotFetchedAgainBeforeItIsDue()
    {
        var target = _dir.Combine("sales-records-url");
        (await Cli.InvokeAsync("init", target, "--template", "sales-records-url")).Code.ShouldBe(0);
        var zip = await File.ReadAllBytesAsync(Path.Combine(target, "serve", "2m Sales Records.zip"));
        using var server = new LocalHttpServer();
        server.Handle = async (ctx, _) =>
        {
            if (ctx.Request.Url!.AbsolutePath != "/2m%20Sales%20Records.zip" && ctx.Request.Url.AbsolutePath != "/2m Sales Records.zip")
            {
                ctx.Response.StatusCode = 404;
                return;
            }

            ctx.Response.Headers["ETag"] = "\"v1\"";
            ctx.Response.ContentLength64 = zip.Length;
            await ctx.Response.OutputStream.WriteAsync(zip);
        };
        var config = Path.Combine(target, "pipeline.yaml");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(config)).Replace("http://127.0.0.1:8000/", server.Url, StringComparison.Ordinal));

        var run = await Cli.InvokeAsync("run", "--config", config, "--json");
        var again = await Cli.InvokeAsync("run", "--config", config);

        run.Code.ShouldBe(0, run.Stderr);
        run.Stderr.ShouldContain("-> landing/sales/2m_Sales_Records.csv");
        Directory.GetFiles(Path.Combine(target, "lake", "archive", "sales_records"), "*.zip", SearchOption.AllDirectories).Length.ShouldBe(1);
        var lake = Path.Combine(target, "lake");
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_csv({DuckDb.Literal(Path.Combine(lake, "landing", "sales", "2m_Sales_Records.csv"))}, all_varchar = true)")).ShouldBe("2000");
        (await DuckDb.ScalarAsync($"SELECT count(DISTINCT country) > 100 FROM read_parquet({DuckDb.Literal(Path.Combine(lake, "processed", "**", "*.parquet"))}, hive_partitioning = true)")).ShouldBe("true");
        again.Code.ShouldBe(0, again.Stderr);
        again.Stderr.ShouldContain("Source sales_records: not due");
        server.Requests.Count.ShouldBe(1);
    }

    public void Dispose() => _dir.Dispose();

    private async Task<string> InitAndRunAsync(string template, int expectedExit)
    {
        var target = _dir.Combine(template);
        (await Cli.InvokeAsync("init", target, "--template", template)).Code.ShouldBe(0);
        var run = await Cli.InvokeAsync("run", "--config", Path.Combine(target, "pipeline.yaml"), "--json");
        run.Code.ShouldBe(expectedExit, run.Stderr);
        using var summary = JsonDocument.Parse(run.Stdout);
        var s = summary.RootElement;
        s.GetProperty("rowsRead").GetInt64().ShouldBe(s.GetProperty("rowsWritten").GetInt64() + s.GetProperty("rowsRejected").GetInt64() + s.GetProperty("rowsFiltered").GetInt64());
        return Path.Combine(target, "lake");
    }

    private static List<string> Rows(DuckDbResult result) =>
        [.. result.Rows.Select(r => string.Join("|", r.Select(kv => kv.Value.ValueKind == JsonValueKind.Null ? "null" : kv.Value.ToString())))];
}
