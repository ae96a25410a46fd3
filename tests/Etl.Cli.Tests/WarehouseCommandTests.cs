using Etl.Testing;
using Npgsql;

namespace Etl.Cli.Tests;

/// <summary>
/// `etl warehouse migrate | load | models` on the store-sales sample against a real PostgreSQL: marts checked against
/// the same aggregates computed by DuckDB over the processed Parquet, reload idempotent, models built in order.
/// </summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class WarehouseCommandTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("cli-warehouse");
    private string _connection = "";
    private string _database = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = "wh_cli_" + Guid.NewGuid().ToString("N")[..10];
        await using (var admin = new NpgsqlConnection(TestServices.Postgres))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }

        _connection = new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Database = _database, Pooling = false }.ConnectionString;
    }

    public ValueTask DisposeAsync()
    {
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task MigrateLoadModels_StoreSales_MartsMatchDuckDbAndReloadIsIdempotent()
    {
        var target = _dir.Combine("store-sales");
        (await Cli.InvokeAsync("init", target, "--template", "store-sales")).Code.ShouldBe(0);
        var config = Path.Combine(target, "pipeline.yaml");
        (await Cli.InvokeAsync("run", "--config", config)).Code.ShouldBe(0);
        using var env = new EnvironmentVariables(("ETL_WAREHOUSE_CONNECTION", _connection));

        var migrate = await Cli.InvokeAsync("warehouse", "migrate", "--config", config);
        var load = await Cli.InvokeAsync("warehouse", "load", "--config", config);
        var again = await Cli.InvokeAsync("warehouse", "load", "--config", config);
        var models = await Cli.InvokeAsync("warehouse", "models", "--config", config);

        migrate.Code.ShouldBe(0, migrate.Stderr);
        load.Code.ShouldBe(0, load.Stderr);
        load.Stdout.ShouldContain("2 file(s) loaded (19 fact rows)");
        again.Stdout.ShouldContain("0 file(s) loaded (0 fact rows), 2 already up to date");
        models.Code.ShouldBe(0, models.Stderr);
        models.Stdout.ShouldContain("category_monthly_revenue, top_category_per_month");

        (await ScalarAsync("SELECT count(*) FROM warehouse.fact_store_sales")).ShouldBe(19L);
        var glob = DuckDb.Literal(Path.Combine(target, "lake", "processed", "**", "*.parquet"));
        var customers = await DuckDb.QueryAsync($"""
            SELECT customer_id || '|' || strftime(date_trunc('month', sale_date), '%Y-%m-%d') || '|' || sum(revenue)::VARCHAR AS r
            FROM read_parquet({glob}) GROUP BY customer_id, date_trunc('month', sale_date) ORDER BY 1
            """);
        (await RowsAsync("""
            SELECT customer_id || '|' || to_char(month, 'YYYY-MM-DD') || '|' || total::text FROM analytics.customer_monthly_purchases ORDER BY 1
            """)).ShouldBe(customers.Rows.Select(r => r["r"].GetString()!).ToList());

        var topSellers = await DuckDb.QueryAsync($"""
            WITH m AS (SELECT sales_person_id, date_trunc('month', sale_date) AS month, sum(revenue) AS total FROM read_parquet({glob}) GROUP BY ALL),
                 r AS (SELECT *, rank() OVER (PARTITION BY month ORDER BY total DESC) AS rk FROM m)
            SELECT strftime(month, '%Y-%m-%d') || '|' || sales_person_id || '|' || total::VARCHAR AS r FROM r WHERE rk = 1 ORDER BY 1
            """);
        (await RowsAsync("""
            SELECT to_char(month, 'YYYY-MM-DD') || '|' || sales_person_id || '|' || total::text FROM analytics.sales_person_monthly_sales WHERE is_top_performer ORDER BY 1
            """)).ShouldBe(topSellers.Rows.Select(r => r["r"].GetString()!).ToList());
        (await ScalarAsync("SELECT count(*) FROM analytics.top_category_per_month")).ShouldBe(2L);
        (await ScalarAsync("SELECT count(*) FROM warehouse.file_loads WHERE status = 'loaded' AND load_count = 1")).ShouldBe(2L);
    }

    [Fact]
    public async Task Load_NoConnection_SaysWhichVariableToSet()
    {
        var target = _dir.Combine("no-connection");
        (await Cli.InvokeAsync("init", target, "--template", "store-sales")).Code.ShouldBe(0);
        using var env = new EnvironmentVariables(("ETL_WAREHOUSE_CONNECTION", null));

        var result = await Cli.InvokeAsync("warehouse", "load", "--config", Path.Combine(target, "pipeline.yaml"));

        result.Code.ShouldBe(2);
        result.Stderr.ShouldContain("set the environment variable ETL_WAREHOUSE_CONNECTION");
    }

    [Fact]
    public async Task Load_BadWarehouseSection_FileLineColumnBeforeConnecting()
    {
        var target = _dir.Combine("bad");
        (await Cli.InvokeAsync("init", target, "--template", "store-sales")).Code.ShouldBe(0);
        var config = Path.Combine(target, "pipeline.yaml");
        File.WriteAllText(config, File.ReadAllText(config).Replace("scd: 2", "scd: 3", StringComparison.Ordinal).Replace("fact: fact_store_sales", "fact: Fact-Sales", StringComparison.Ordinal));

        var result = await Cli.InvokeAsync("warehouse", "load", "--config", config);

        result.Code.ShouldBe(2);
        result.Stderr.ShouldContain("pipeline.yaml:");
        result.Stderr.ShouldContain("scd '3' must be 1 (overwrite) or 2 (keep history)");
        result.Stderr.ShouldContain("'Fact-Sales' is not a valid identifier");
    }

    [Fact]
    public async Task RunLoadWarehouse_StoreSales_LoadsThroughTheOrchestratorAndRebuildsModelsOnANoOpRun()
    {
        var target = _dir.Combine("run-load");
        (await Cli.InvokeAsync("init", target, "--template", "store-sales")).Code.ShouldBe(0);
        var config = Path.Combine(target, "pipeline.yaml");
        using var env = new EnvironmentVariables(("ETL_WAREHOUSE_CONNECTION", _connection));

        var first = await Cli.InvokeAsync("run", "--config", config, "--load-warehouse");
        await ExecuteAsync("DROP TABLE analytics.top_category_per_month");
        var second = await Cli.InvokeAsync("run", "--config", config, "--load-warehouse");

        first.Code.ShouldBe(0, first.Stderr);
        first.Stdout.ShouldContain("Warehouse: 2 file(s) loaded (19 fact rows), models category_monthly_revenue, top_category_per_month rebuilt.");
        second.Code.ShouldBe(0, second.Stderr);
        second.Stdout.ShouldContain("Warehouse: 0 file(s) loaded (0 fact rows), models category_monthly_revenue, top_category_per_month rebuilt.");
        (await ScalarAsync("SELECT count(*) FROM warehouse.fact_store_sales")).ShouldBe(19L);
        (await ScalarAsync("SELECT count(*) FROM analytics.top_category_per_month")).ShouldBe(2L);
    }

    [Fact]
    public async Task RunLoadWarehouse_ModelFails_FilesCommittedExit5NamesTheModel()
    {
        var target = _dir.Combine("run-load-bad-model");
        (await Cli.InvokeAsync("init", target, "--template", "store-sales")).Code.ShouldBe(0);
        var config = Path.Combine(target, "pipeline.yaml");
        var model = Directory.GetFiles(Path.Combine(target, "models"), "*.sql").Order(StringComparer.Ordinal).First();
        File.WriteAllText(model, File.ReadAllText(model).Replace("SELECT", "SELECT no_such_column,", StringComparison.Ordinal));
        using var env = new EnvironmentVariables(("ETL_WAREHOUSE_CONNECTION", _connection));

        var result = await Cli.InvokeAsync("run", "--config", config, "--load-warehouse");

        result.Code.ShouldBe(5, result.Stderr);
        result.Stderr.ShouldContain("Warehouse load failed (the files are committed");
        result.Stderr.ShouldContain(Path.GetFileNameWithoutExtension(model));
        result.Stderr.ShouldContain("no_such_column");
        (await ScalarAsync("SELECT count(*) FROM warehouse.fact_store_sales")).ShouldBe(19L);
        (await Cli.InvokeAsync("run", "--config", config, "--json")).Stdout.ShouldContain("\"files\":[]");
    }

    [Fact]
    public async Task RunLoadWarehouse_NoConnection_Exit2BeforeAnyFileIsTouched()
    {
        var target = _dir.Combine("run-load-no-connection");
        (await Cli.InvokeAsync("init", target, "--template", "store-sales")).Code.ShouldBe(0);
        using var env = new EnvironmentVariables(("ETL_WAREHOUSE_CONNECTION", null));

        var result = await Cli.InvokeAsync("run", "--config", Path.Combine(target, "pipeline.yaml"), "--load-warehouse");

        result.Code.ShouldBe(2);
        result.Stderr.ShouldContain("--load-warehouse: set the environment variable ETL_WAREHOUSE_CONNECTION");
        Directory.Exists(Path.Combine(target, "lake", "processed")).ShouldBeFalse();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(_connection);
        await conn.OpenAsync(Ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(Ct);
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(_connection);
        await conn.OpenAsync(Ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync(Ct);
    }

    private async Task<List<string>> RowsAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(_connection);
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
