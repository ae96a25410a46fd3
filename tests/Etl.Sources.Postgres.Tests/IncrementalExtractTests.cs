using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Storage.Local;
using Etl.Testing;

namespace Etl.Sources.Postgres.Tests;

/// <summary>
/// Incremental extracts of a real PostgreSQL table through the whole pipeline: each run extracts the rows past the
/// watermark into landing/, processes them like any landed file, then moves the watermark. What reaches processed/
/// is read back with DuckDB.
/// </summary>
public sealed class IncrementalExtractTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("pg-extract");
    private SourceDatabase _db = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Lake => _dir.Combine("lake");

    private string Glob => DuckDb.Literal(Path.Combine(Lake, "processed", "customers", "**", "*.parquet"));

    public async ValueTask InitializeAsync()
    {
        _db = await SourceDatabase.CreateAsync();
        await _db.ExecAsync("""
            CREATE TABLE customers (
                customer_id integer PRIMARY KEY,
                name        text NOT NULL,
                city        text,
                updated_at  timestamptz NOT NULL DEFAULT clock_timestamp());
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Run_InsertExtractUpdateExtract_SecondExtractHoldsOnlyTheChangedRows()
    {
        Define();
        await _db.ExecAsync("INSERT INTO customers (customer_id, name, city) SELECT i, 'c' || i, 'Oslo' FROM generate_series(1, 5) i");

        var first = await RunAsync();
        await _db.ExecAsync("UPDATE customers SET city = 'Bergen', updated_at = clock_timestamp() WHERE customer_id IN (2, 4)");
        var second = await RunAsync();

        first.Extract.Outcome.ShouldBe(PostgresExtractOutcome.Extracted, first.Extract.Note);
        first.Extract.Rows.ShouldBe(5);
        second.Extract.Outcome.ShouldBe(PostgresExtractOutcome.Extracted, second.Extract.Note);
        second.Extract.Rows.ShouldBe(2);
        second.Extract.Skipped.ShouldBe(3, "the three unchanged rows are inside the overlap window: re-read, and skipped");
        second.Summary.Files.Single().File.Key.ShouldBe(second.Extract.Landed);
        second.Summary.Files.Single().RowsWritten.ShouldBe(2);
        (await Rows("SELECT customer_id || ':' || city AS r FROM read_parquet(GLOB, filename = true) WHERE filename LIKE '%' || SECOND || '%' ORDER BY 1", second))
            .ShouldBe(["2:Bergen", "4:Bergen"]);
        (await Rows("SELECT customer_id || ':' || n AS r FROM (SELECT customer_id, count(*) AS n FROM read_parquet(GLOB) GROUP BY customer_id) ORDER BY 1", second))
            .ShouldBe(["1:1", "2:2", "3:1", "4:2", "5:1"], "every row version once: the five inserts and the two updates");
        var state = await StateAsync();
        state.GetProperty("pending").GetArrayLength().ShouldBe(0);
        state.GetProperty("committed").GetProperty("highText").GetString().ShouldBe(second.Extract.Watermark);
    }

    [Fact]
    public async Task Run_NoNewRows_WritesNothingAndLeavesTheWatermark()
    {
        Define();
        await _db.ExecAsync("INSERT INTO customers (customer_id, name) VALUES (1, 'a'), (2, 'b')");
        var first = await RunAsync();
        var stateBefore = File.ReadAllText(Path.Combine(Lake, "_meta", "sources", "customers.json"));

        var again = await RunAsync();

        again.Extract.Outcome.ShouldBe(PostgresExtractOutcome.NoNewRows);
        again.Extract.Watermark.ShouldBe(first.Extract.Watermark);
        again.Summary.Files.ShouldBeEmpty();
        Directory.GetFiles(Path.Combine(Lake, "landing", "customers")).Length.ShouldBe(1);
        File.ReadAllText(Path.Combine(Lake, "_meta", "sources", "customers.json")).ShouldBe(stateBefore);
    }

    [Fact]
    public async Task Run_InterruptedMidTable_NothingLandedAndTheRerunTakesEveryRowOnce()
    {
        Define("page_rows: 3");
        await _db.ExecAsync("INSERT INTO customers (customer_id, name) SELECT i, 'c' || i FROM generate_series(1, 10) i");
        var interrupted = new PostgresExtractorOptions
        {
            AfterPage = (_, page) => page == 2 ? throw new IOException("the process stopped here") : ValueTask.CompletedTask,
        };

        await Should.ThrowAsync<IOException>(() => RunAsync(interrupted));
        Directory.Exists(Path.Combine(Lake, "landing", "customers")).ShouldBeFalse("a half-read table lands nothing");
        var rerun = await RunAsync();

        rerun.Extract.Rows.ShouldBe(10);
        (await Rows("SELECT count(*) || '/' || count(DISTINCT customer_id) AS r FROM read_parquet(GLOB)", rerun)).ShouldBe(["10/10"]);
    }

    [Fact]
    public async Task Run_StoppedBetweenSavingTheMarkAndLanding_RerunExtractsTheSameRowsOnce()
    {
        Define();
        await _db.ExecAsync("INSERT INTO customers (customer_id, name) SELECT i, 'c' || i FROM generate_series(1, 4) i");
        var stopped = new PostgresExtractorOptions { BeforeLand = _ => throw new IOException("the process stopped here") };

        await Should.ThrowAsync<IOException>(() => RunAsync(stopped));
        (await StateAsync()).GetProperty("pending").GetArrayLength().ShouldBe(1, "the mark is saved before the file lands");
        await _db.ExecAsync("INSERT INTO customers (customer_id, name) VALUES (5, 'c5')");
        var rerun = await RunAsync();

        rerun.Extract.Rows.ShouldBe(5, "the extract that never landed is forgotten and its rows taken again");
        (await Rows("SELECT count(*) || '/' || count(DISTINCT customer_id) AS r FROM read_parquet(GLOB)", rerun)).ShouldBe(["5/5"]);
    }

    [Fact]
    public async Task Extract_LandedButNotCommitted_NextExtractContinuesAfterItAndTheCommitAdvancesOverBoth()
    {
        Define();
        var (definition, store) = Open();
        var extractor = new PostgresExtractor(definition, store);
        await _db.ExecAsync("INSERT INTO customers (customer_id, name) SELECT i, 'c' || i FROM generate_series(1, 3) i");
        var first = (await extractor.ExtractAsync(Ct)).Single();
        await _db.ExecAsync("INSERT INTO customers (customer_id, name) VALUES (4, 'c4')");
        await _db.ExecAsync("UPDATE customers SET name = 'changed', updated_at = clock_timestamp() WHERE customer_id = 1");

        // The run that landed the first extract stopped before processing it: the next extract must not take its rows again.
        var second = (await extractor.ExtractAsync(Ct)).Single();
        (await StateAsync()).TryGetProperty("committed", out _).ShouldBeFalse("nothing is committed before the manifest records it");
        var (_, summary) = await new PipelineRunner(definition, store).RunAsync(new RunOptions(), cancellationToken: Ct);
        var advanced = (await extractor.AdvanceAsync(Ct)).Single();

        (first.Rows, second.Rows).ShouldBe((3L, 2L));
        summary.Files.Count.ShouldBe(2);
        advanced.Advanced.ShouldBeTrue();
        advanced.Committed.ShouldBe(second.Watermark);
        advanced.Waiting.ShouldBe(0);
        (await Rows("SELECT customer_id || ':' || name AS r FROM read_parquet(GLOB) ORDER BY 1", null)).ShouldBe(["1:c1", "1:changed", "2:c2", "3:c3", "4:c4"]);
    }

    [Fact]
    public async Task Run_RowCommittedLateBelowTheWatermark_ExtractedByTheOverlapWindowOnce()
    {
        Define();
        await using var slow = await _db.OpenAsync();
        await using var tx = await slow.BeginTransactionAsync(Ct);

        // now() is the transaction's start: this row's watermark is older than the one committed after it.
        await using (var insert = new Npgsql.NpgsqlCommand("INSERT INTO customers (customer_id, name, updated_at) VALUES (1, 'late', now())", slow, tx))
        {
            await insert.ExecuteNonQueryAsync(Ct);
        }

        await Task.Delay(50, Ct);
        await _db.ExecAsync("INSERT INTO customers (customer_id, name) VALUES (2, 'early')");
        var before = await RunAsync();
        await tx.CommitAsync(Ct);
        var after = await RunAsync();

        (before.Extract.Rows, after.Extract.Rows, after.Extract.Skipped).ShouldBe((1L, 1L, 1L));
        (await Rows("SELECT customer_id || ':' || name AS r FROM read_parquet(GLOB) ORDER BY 1", after)).ShouldBe(["1:late", "2:early"]);
    }

    [Fact]
    public async Task Run_UpdatedInTheSameSecondWithTheSameWatermark_ChangedVersionExtracted()
    {
        await _db.ExecAsync("ALTER TABLE customers ALTER COLUMN updated_at TYPE timestamp(0) with time zone");
        Define();
        await _db.ExecAsync("INSERT INTO customers (customer_id, name, updated_at) VALUES (1, 'first', '2026-03-01 10:00:00+00'), (2, 'other', '2026-03-01 10:00:00+00')");
        var first = await RunAsync();
        await _db.ExecAsync("UPDATE customers SET name = 'second' WHERE customer_id = 1");
        var second = await RunAsync();

        (first.Extract.Rows, second.Extract.Rows, second.Extract.Skipped).ShouldBe((2L, 1L, 1L));
        (await Rows("SELECT customer_id || ':' || name AS r FROM read_parquet(GLOB) ORDER BY 1", second)).ShouldBe(["1:first", "1:second", "2:other"]);
    }

    [Fact]
    public async Task Run_IntegerIdWatermark_OnlyNewIdsExtracted()
    {
        await _db.ExecAsync("CREATE TABLE events (event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text NOT NULL)");
        File.WriteAllText(_dir.Combine("pipeline.yaml"), $$"""
            pipeline: oltp
            lake: ./lake
            datasets:
              - name: events
                match: "landing/events/*.parquet"
                format: { type: parquet }
                source: { postgres: {{_db.Variable}}, table: events, watermark: event_id, lag: 2 }
                columns:
                  - { name: event_id, type: int64, required: true }
                  - { name: kind, type: string }
            """);
        await _db.ExecAsync("INSERT INTO events (kind) SELECT 'k' || i FROM generate_series(1, 5) i");
        var first = await RunAsync();
        await _db.ExecAsync("INSERT INTO events (kind) VALUES ('k6'), ('k7')");
        var second = await RunAsync();

        (first.Extract.Rows, second.Extract.Rows, second.Extract.Skipped).ShouldBe((5L, 2L, 2L));
        second.Extract.Watermark.ShouldBe("7");
        var glob = DuckDb.Literal(Path.Combine(Lake, "processed", "events", "**", "*.parquet"));
        (await DuckDb.ScalarAsync($"SELECT count(*) || '/' || count(DISTINCT event_id) || '/' || max(event_id) FROM read_parquet({glob})", Ct)).ShouldBe("7/7/7");
    }

    [Fact]
    public async Task Run_EveryColumnType_TypedThroughParquetAsDuckDbSees()
    {
        await _db.ExecAsync("""
            CREATE TABLE typed (
                id bigint PRIMARY KEY, small smallint, flag boolean, price numeric(12,2), big numeric(38,10), free numeric,
                ratio double precision, f4 real, day date, at timestamptz NOT NULL, local_at timestamp, uid uuid, doc jsonb, tags text[], code char(3));
            INSERT INTO typed VALUES
                (1, -3, true, -1234567890.05, 123456789012345678.0123456789, 1.5, 0.25, 1.5, '2024-02-29', '2024-01-02 03:04:05.123456+00', '2024-01-02 03:04:05',
                 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{x,y}', 'ab'),
                (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2024-01-03 00:00:00+00', NULL, NULL, NULL, NULL, NULL);
            """);
        File.WriteAllText(_dir.Combine("pipeline.yaml"), $$"""
            pipeline: oltp
            lake: ./lake
            datasets:
              - name: typed
                match: "landing/typed/*.parquet"
                format: { type: parquet }
                source: { postgres: {{_db.Variable}}, table: public.typed, watermark: at }
                columns:
                  - { name: id, type: int64, required: true }
                  - { name: small, type: int32 }
                  - { name: flag, type: bool }
                  - { name: price, type: "decimal(12,2)" }
                  - { name: big, type: "decimal(38,10)" }
                  - { name: free, type: "decimal(10,3)" }
                  - { name: ratio, type: double }
                  - { name: f4, type: double }
                  - { name: day, type: date }
                  - { name: at, type: timestamp }
                  - { name: local_at, type: timestamp }
                  - { name: uid, type: string }
                  - { name: doc, type: string }
                  - { name: tags, type: string }
                  - { name: code, type: string }
            """);

        var run = await RunAsync();

        run.Summary.Files.Single().RowsWritten.ShouldBe(2, run.Summary.Files.Single().Error);
        var glob = DuckDb.Literal(Path.Combine(Lake, "processed", "typed", "**", "*.parquet"));
        var row = (await DuckDb.QueryAsync($"""
            SELECT small, flag, price::VARCHAR AS price, big::VARCHAR AS big, free::VARCHAR AS free, ratio, f4, day::VARCHAR AS day,
                   "at"::VARCHAR AS at, local_at::VARCHAR AS local_at, uid, doc, tags, code
            FROM read_parquet({glob}) WHERE id = 1
            """, Ct)).Rows.Single();
        row["small"].GetInt32().ShouldBe(-3);
        row["flag"].GetBoolean().ShouldBeTrue();
        row["price"].GetString().ShouldBe("-1234567890.05");
        row["big"].GetString().ShouldBe("123456789012345678.0123456789");
        row["free"].GetString().ShouldBe("1.500");
        row["ratio"].GetDouble().ShouldBe(0.25);
        row["f4"].GetDouble().ShouldBe(1.5);
        row["day"].GetString().ShouldBe("2024-02-29");
        row["at"].GetString().ShouldBe("2024-01-02 03:04:05.123456+00");
        row["local_at"].GetString().ShouldBe("2024-01-02 03:04:05+00");
        row["uid"].GetString().ShouldBe("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        row["doc"].GetString().ShouldBe("""{"a": [1, 2]}""");
        row["tags"].GetString().ShouldBe("{x,y}");
        row["code"].GetString().ShouldBe("ab", "char(3) pads, and typing trims values as it does text");
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({glob}) WHERE id = 2 AND small IS NULL AND price IS NULL AND day IS NULL AND doc IS NULL", Ct)).ShouldBe("1");
    }

    [Fact]
    public async Task Extract_ProblemsInTheSourceTable_FailedWithWhatToDoAndNothingLanded()
    {
        await _db.ExecAsync("CREATE TABLE loose (id integer, seen_at timestamptz NOT NULL); CREATE TABLE nullable_wm (id integer PRIMARY KEY, changed timestamptz)");

        async Task<PostgresExtractResult> ExtractAsync(string table, string watermark, string? variable = null)
        {
            File.WriteAllText(_dir.Combine("pipeline.yaml"), $$"""
                pipeline: oltp
                lake: ./lake
                datasets:
                  - name: t
                    match: "landing/t/*.parquet"
                    format: { type: parquet }
                    source: { postgres: {{variable ?? _db.Variable}}, table: {{table}}, watermark: {{watermark}} }
                    columns:
                      - { name: id, type: int32 }
                """);
            var (definition, store) = Open();
            return (await new PostgresExtractor(definition, store).ExtractAsync(Ct)).Single();
        }

        var noKey = await ExtractAsync("loose", "seen_at");
        var nullable = await ExtractAsync("nullable_wm", "changed");
        var missing = await ExtractAsync("Customers", "updated_at");
        var badType = await ExtractAsync("customers", "name");
        var noVariable = await ExtractAsync("customers", "updated_at", "ETL_TEST_NOT_SET_ANYWHERE");

        noKey.Note!.ShouldContain("has no primary key; name the columns that identify a row with 'key: [id]'");
        nullable.Note!.ShouldContain("allows NULL, and rows with NULL would never be extracted");
        missing.Note!.ShouldContain("no such table or view");
        badType.Note!.ShouldContain("watermark column 'name' is text");
        noVariable.Note!.ShouldContain("the environment variable ETL_TEST_NOT_SET_ANYWHERE (source.postgres) is not set");
        new[] { noKey, nullable, missing, badType, noVariable }.ShouldAllBe(r => r.Outcome == PostgresExtractOutcome.Failed && r.Landed == null);
        Directory.Exists(Path.Combine(Lake, "landing")).ShouldBeFalse();
        foreach (var r in new[] { noKey, nullable, missing, badType, noVariable })
        {
            r.Note!.ShouldNotContain("Password", Case.Insensitive);
            r.Note!.ShouldNotContain(_db.ConnectionString);
        }
    }

    private void Define(string extra = "") =>
        File.WriteAllText(_dir.Combine("pipeline.yaml"), $$"""
            pipeline: oltp
            lake: ./lake
            datasets:
              - name: customers
                match: "landing/customers/*.parquet"
                format: { type: parquet }
                source:
                  postgres: {{_db.Variable}}
                  table: customers
                  watermark: updated_at
                  {{extra}}
                columns:
                  - { name: customer_id, type: int32, required: true }
                  - { name: name, type: string }
                  - { name: city, type: string }
                  - { name: updated_at, type: timestamp }
            """);

    private (PipelineDefinition Definition, LocalObjectStore Store) Open()
    {
        var definition = PipelineDefinitionLoader.Load(_dir.Combine("pipeline.yaml"));
        return (definition, new LocalObjectStore(definition.Lake));
    }

    /// <summary>One run as etl run does it: extract, process and commit, then move the watermark.</summary>
    private async Task<(PostgresExtractResult Extract, RunSummary Summary)> RunAsync(PostgresExtractorOptions? options = null)
    {
        var (definition, store) = Open();
        var extractor = new PostgresExtractor(definition, store, options);
        var extract = (await extractor.ExtractAsync(Ct)).Single();
        if (extract.Outcome == PostgresExtractOutcome.Failed && options is null)
        {
            Assert.Fail(extract.Note);
        }

        var (_, summary) = await new PipelineRunner(definition, store).RunAsync(new RunOptions(), cancellationToken: Ct);
        foreach (var f in summary.Files)
        {
            f.Status.ShouldBe(FileStatus.Succeeded, f.Error);
            f.RowsRead.ShouldBe(f.RowsWritten + f.RowsRejected + f.RowsFiltered.Values.Sum(), f.File.Key);
        }

        await extractor.AdvanceAsync(Ct);
        return (extract, summary);
    }

    private async Task<List<string>> Rows(string sql, (PostgresExtractResult Extract, RunSummary Summary)? run)
    {
        var text = sql.Replace("GLOB", Glob, StringComparison.Ordinal);
        if (run is { } r)
        {
            text = text.Replace("SECOND", DuckDb.Literal(Path.GetFileNameWithoutExtension(r.Extract.Landed ?? "none")), StringComparison.Ordinal);
        }

        var result = await DuckDb.QueryAsync(text, Ct);
        return [.. result.Rows.Select(x => x["r"].GetString()!)];
    }

    private async Task<JsonElement> StateAsync()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Lake, "_meta", "sources", "customers.json"), Ct);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
