using Etl.Core.Definition;
using Etl.Testing;

namespace Etl.Core.Tests.Sources;

/// <summary>The <c>source: { postgres: ... }</c> key as the loader reads and checks it (the extractor's own tests run against PostgreSQL).</summary>
public sealed class PostgresSourceDefinitionTests : IDisposable
{
    private readonly TempDirectory _dir = new("pg-source-def");

    [Fact]
    public void Load_PostgresSource_ParsedWithDefaultsAndNotPartOfTheDatasetVersion()
    {
        var withSource = Define("{ postgres: OLTP_DB, table: sales.orders, watermark: updated_at, key: [order_id], lag: 10m, page_rows: 500, schedule: every 5m }");
        var other = Define("{ postgres: OLTP_DB, table: orders, watermark: updated_at }");

        var pg = withSource.Datasets[0].Source.ShouldBeOfType<PostgresSourceDefinition>();
        (pg.ConnectionEnv, pg.Schema, pg.Table, pg.WatermarkColumn, pg.LagTime, pg.LagIds, pg.PageRows, pg.Every, pg.Landing)
            .ShouldBe(("OLTP_DB", "sales", "orders", "updated_at", TimeSpan.FromMinutes(10), (long?)null, 500, TimeSpan.FromMinutes(5), "landing/orders/"));
        pg.Key.ShouldBe(["order_id"]);
        var defaults = other.Datasets[0].Source.ShouldBeOfType<PostgresSourceDefinition>();
        (defaults.Schema, defaults.LagTime, defaults.LagIds, defaults.PageRows).ShouldBe(("public", (TimeSpan?)null, (long?)null, 10_000));
        withSource.Datasets[0].Version.ShouldBe(other.Datasets[0].Version, "where rows come from is not what is computed from them");
    }

    [Fact]
    public void Load_IdLag_ParsedAsACount()
    {
        var pg = Define("{ postgres: OLTP_DB, table: events, watermark: event_id, lag: 250 }").Datasets[0].Source.ShouldBeOfType<PostgresSourceDefinition>();

        (pg.LagIds, pg.LagTime).ShouldBe((250L, (TimeSpan?)null));
    }

    [Fact]
    public void Load_ConnectionStringInsteadOfAVariable_RefusedWithoutEchoingIt()
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => Define("{ postgres: \"Host=db;Password=hunter2\", table: orders, watermark: updated_at }"));

        ex.Message.ShouldContain("names the environment variable that holds the Npgsql connection string");
        ex.Message.ShouldNotContain("hunter2");
    }

    [Fact]
    public void Load_CsvFormatWrongMatchOrMissingKeys_EachReported()
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => Define("{ postgres: OLTP_DB, table: \"a.b.c\", lag: soon, page_rows: 0 }", format: "csv", match: "landing/orders/*.csv"));

        ex.Message.ShouldContain("a postgres source lands its extracts as Parquet; set 'format: { type: parquet }'");
        ex.Message.ShouldContain("which match 'landing/orders/*.csv' does not take");
        ex.Message.ShouldContain("'watermark' is missing");
        ex.Message.ShouldContain("table 'a.b.c' must be 'name' or 'schema.name'");
        ex.Message.ShouldContain("lag 'soon' must be a duration such as 5m or 1h");
        ex.Message.ShouldContain("page_rows must be a whole number from 1 to 1000000");
    }

    public void Dispose() => _dir.Dispose();

    private PipelineDefinition Define(string source, string format = "parquet", string match = "landing/orders/*.parquet")
    {
        File.WriteAllText(_dir.Combine("pipeline.yaml"), $$"""
            pipeline: oltp
            lake: ./lake
            datasets:
              - name: orders
                match: "{{match}}"
                format: { type: {{format}} }
                source: {{source}}
                columns:
                  - { name: order_id, type: int64 }
            """);
        return PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
    }
}
