using Etl.Testing;
using Npgsql;

namespace Etl.Cli.Tests;

/// <summary>
/// The oltp-star template end to end: its OLTP schema created on the throwaway PostgreSQL, extracted incrementally by
/// <c>etl run --load-warehouse</c> and loaded into a star schema in another database; after changes in the source, only
/// the rows that changed move in the warehouse.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class OltpStarTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("cli-oltp-star");
    private string _source = "";
    private string _warehouse = "";
    private readonly List<string> _databases = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Config => Path.Combine(_dir.Combine("oltp-star"), "pipeline.yaml");

    public async ValueTask InitializeAsync()
    {
        _source = await CreateDatabaseAsync("oltp_");
        _warehouse = await CreateDatabaseAsync("dw_");
    }

    public async ValueTask DisposeAsync()
    {
        await using (var admin = new NpgsqlConnection(TestServices.Postgres))
        {
            await admin.OpenAsync();
            foreach (var db in _databases)
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            }
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task Run_OltpStar_InsertUpdateExtractLoad_ThenOnlyChangedRowsMove()
    {
        var target = _dir.Combine("oltp-star");
        (await Cli.InvokeAsync("init", target, "--template", "oltp-star")).Code.ShouldBe(0);
        await ExecAsync(_source, await File.ReadAllTextAsync(Path.Combine(target, "oltp", "schema.sql"), Ct));
        await ExecAsync(_source, await File.ReadAllTextAsync(Path.Combine(target, "oltp", "seed.sql"), Ct));
        await ExecAsync(_source, "UPDATE sales SET quantity = 2 WHERE sale_id = 101");
        using var env = new EnvironmentVariables(("OLTP_DATABASE", _source), ("ETL_WAREHOUSE_CONNECTION", _warehouse));

        var first = await Cli.InvokeAsync("run", "--config", Config, "--load-warehouse");

        first.Code.ShouldBe(0, first.Stderr);
        first.Stderr.ShouldContain("Source customers: extracted 4 row(s) from public.customers");
        first.Stderr.ShouldContain("Source sales: extracted 6 row(s) from public.sales");
        first.Stdout.ShouldContain("Warehouse: 3 file(s) loaded");
        (await RowsAsync(_warehouse, "SELECT sale_id || ':' || quantity || ':' || revenue FROM warehouse.fact_sales ORDER BY sale_id"))
            .ShouldBe(await RowsAsync(_source, "SELECT sale_id || ':' || quantity || ':' || (quantity * unit_price)::numeric(18,2) FROM sales ORDER BY sale_id"));
        (await RowsAsync(_warehouse, "SELECT customer_id || ':' || city FROM warehouse.dim_customer WHERE is_current ORDER BY 1"))
            .ShouldBe(["1:London", "2:New York", "3:Manchester", "4:Rotterdam"]);
        (await ScalarAsync(_warehouse, "SELECT count(*) FROM warehouse.fact_sales WHERE dim_customer_key IS NULL OR dim_product_key IS NULL OR date_key IS NULL")).ShouldBe(0L);
        var factBefore = await FactRowsAsync();
        var customersBefore = await RowsAsync(_warehouse, "SELECT dim_customer_key || ':' || customer_id || ':' || city FROM warehouse.dim_customer ORDER BY 1");
        var productsBefore = await RowsAsync(_warehouse, "SELECT dim_product_key || ':' || product_id || ':' || list_price FROM warehouse.dim_product ORDER BY 1");

        // The second round of changes: a customer moves (SCD2), a price changes (SCD1), a sale is corrected, one is new.
        await ExecAsync(_source, """
            UPDATE customers SET city = 'Cambridge' WHERE customer_id = 3;
            UPDATE products SET list_price = 42.00 WHERE product_id = 12;
            UPDATE sales SET quantity = 12 WHERE sale_id = 104;
            INSERT INTO sales (sale_id, customer_id, product_id, sale_date, quantity, unit_price) VALUES (106, 3, 12, '2024-03-01', 1, 42.00);
            """);
        var second = await Cli.InvokeAsync("run", "--config", Config, "--load-warehouse");

        second.Code.ShouldBe(0, second.Stderr);
        second.Stderr.ShouldContain("Source customers: extracted 1 row(s)");
        second.Stderr.ShouldContain("Source products: extracted 1 row(s)");
        second.Stderr.ShouldContain("Source sales: extracted 2 row(s)");
        var factAfter = await FactRowsAsync();
        var moved = factAfter.Except(factBefore).ToList();
        moved.Select(r => r.Split('|')[0]).ShouldBe(["104", "106"], "only the corrected and the new sale moved");
        factBefore.Where(r => !r.StartsWith("104|", StringComparison.Ordinal)).ShouldAllBe(r => factAfter.Contains(r));
        (await ScalarAsync(_warehouse, "SELECT quantity FROM warehouse.fact_sales WHERE sale_id = 104")).ShouldBe(12);
        var customersAfter = await RowsAsync(_warehouse, "SELECT dim_customer_key || ':' || customer_id || ':' || city FROM warehouse.dim_customer ORDER BY 1");
        customersAfter.Except(customersBefore).Single().ShouldEndWith(":3:Cambridge", Case.Sensitive, "one new version, for the customer who moved");
        customersBefore.ShouldAllBe(r => customersAfter.Contains(r), "no existing version is rewritten");
        (await ScalarAsync(_warehouse, "SELECT count(*) FROM warehouse.dim_customer WHERE customer_id = 3 AND NOT is_current AND city = 'Manchester'")).ShouldBe(1L);
        (await ScalarAsync(_warehouse, """
            SELECT c.city FROM warehouse.fact_sales f JOIN warehouse.dim_customer c USING (dim_customer_key) WHERE f.sale_id = 102
            """)).ShouldBe("Manchester", "a sale loaded before the move keeps the customer's version of then");
        (await ScalarAsync(_warehouse, """
            SELECT c.city FROM warehouse.fact_sales f JOIN warehouse.dim_customer c USING (dim_customer_key) WHERE f.sale_id = 106
            """)).ShouldBe("Cambridge");
        var productsAfter = await RowsAsync(_warehouse, "SELECT dim_product_key || ':' || product_id || ':' || list_price FROM warehouse.dim_product ORDER BY 1");
        productsAfter.Except(productsBefore).ShouldBe([productsBefore.Single(p => p.Contains(":12:", StringComparison.Ordinal))[..^"39.90".Length] + "42.00"]);
        (await ScalarAsync(_warehouse, "SELECT count(*) FROM warehouse.fact_sales")).ShouldBe(7L);

        var third = await Cli.InvokeAsync("run", "--config", Config, "--load-warehouse");

        third.Code.ShouldBe(0, third.Stderr);
        third.Stderr.ShouldContain("Source sales: no new rows in public.sales");
        (await FactRowsAsync()).ShouldBe(factAfter);
        Directory.GetFiles(Path.Combine(target, "lake", "landing", "sales")).Length.ShouldBe(2, "a run with no new rows lands nothing");
    }

    private Task<List<string>> FactRowsAsync() =>
        RowsAsync(_warehouse, "SELECT sale_id || '|' || source_id || '|' || dim_customer_key || '|' || dim_product_key || '|' || quantity || '|' || revenue FROM warehouse.fact_sales ORDER BY sale_id");

    private async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = prefix + Guid.NewGuid().ToString("N")[..10];
        await using (var admin = new NpgsqlConnection(TestServices.Postgres))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }

        _databases.Add(name);
        return new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Database = name, Pooling = false }.ConnectionString;
    }

    private static async Task ExecAsync(string connection, string sql)
    {
        await using var conn = new NpgsqlConnection(connection);
        await conn.OpenAsync(Ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<object?> ScalarAsync(string connection, string sql)
    {
        await using var conn = new NpgsqlConnection(connection);
        await conn.OpenAsync(Ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync(Ct);
    }

    private static async Task<List<string>> RowsAsync(string connection, string sql)
    {
        await using var conn = new NpgsqlConnection(connection);
        await conn.OpenAsync(Ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var reader = await cmd.ExecuteReaderAsync(Ct);
        var rows = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
