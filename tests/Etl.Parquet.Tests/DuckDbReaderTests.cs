using System.Globalization;
using System.Text.Json;
using Etl.Testing;

namespace Etl.Parquet.Tests;

/// <summary>DuckDB, an independent reader, must read what we write: values, nulls and logical types.</summary>
public sealed class DuckDbReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new("parquet-duckdb");

    public static TheoryData<ParquetCompression, Nulls> Cases()
    {
        var data = new TheoryData<ParquetCompression, Nulls>();
        foreach (var codec in Enum.GetValues<ParquetCompression>())
        {
            foreach (var nulls in Enum.GetValues<Nulls>())
            {
                data.Add(codec, nulls);
            }
        }

        return data;
    }

    [Fact]
    public async Task Describe_AllTypes_ReportsIntendedLogicalTypes()
    {
        var path = WriteFile("types.parquet", TestBatches.Build(10, Nulls.Alternating), new ParquetWriterOptions());

        var result = await DuckDb.QueryAsync($"DESCRIBE SELECT * FROM read_parquet({DuckDb.Literal(path)})");

        var types = result.Rows.ToDictionary(r => r["column_name"].GetString()!, r => r["column_type"].GetString()!);
        types["id"].ShouldBe("BIGINT");
        types["b"].ShouldBe("BOOLEAN");
        types["i32"].ShouldBe("INTEGER");
        types["i64"].ShouldBe("BIGINT");
        types["dbl"].ShouldBe("DOUBLE");
        types["s"].ShouldBe("VARCHAR");
        types["dt"].ShouldBe("DATE");
        types["ts_utc"].ShouldBe("TIMESTAMP WITH TIME ZONE");
        types["ts_local"].ShouldBe("TIMESTAMP");
        types["d9"].ShouldBe("DECIMAL(9,2)");
        types["d18"].ShouldBe("DECIMAL(18,4)");
        types["d38"].ShouldBe("DECIMAL(38,10)");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Select_AllTypes_ValuesMatchWhatWasWritten(ParquetCompression codec, Nulls nulls)
    {
        const int rows = 300;
        var batch = TestBatches.Build(rows, nulls);
        var path = WriteFile($"values-{codec}-{nulls}.parquet", batch, new ParquetWriterOptions { Compression = codec, PageSizeBytes = 4096, RowGroupMaxRows = 128 });

        var result = await DuckDb.QueryAsync($"""
            SELECT id, b, i32::VARCHAR AS i32, i64::VARCHAR AS i64, dbl, s, dt::VARCHAR AS dt,
                   epoch_us(ts_utc)::VARCHAR AS ts_utc, epoch_us(ts_local)::VARCHAR AS ts_local,
                   d9::VARCHAR AS d9, d18::VARCHAR AS d18, d38::VARCHAR AS d38
            FROM read_parquet({DuckDb.Literal(path)}) ORDER BY id
            """);

        result.Rows.Count.ShouldBe(rows);
        for (var r = 0; r < rows; r++)
        {
            var row = result.Rows[r];
            long.Parse(Text(row["id"])!, CultureInfo.InvariantCulture).ShouldBe(r);
            Check(batch, 1, r, row["b"], v => v.GetBoolean().ShouldBe(TestBatches.Bool(r)));
            Check(batch, 2, r, row["i32"], v => v.GetString().ShouldBe(TestBatches.Int32(r).ToString(CultureInfo.InvariantCulture)));
            Check(batch, 3, r, row["i64"], v => v.GetString().ShouldBe(TestBatches.Int64(r).ToString(CultureInfo.InvariantCulture)));
            Check(batch, 4, r, row["dbl"], v => v.GetDouble().ShouldBe(TestBatches.Double(r)));
            Check(batch, 5, r, row["s"], v => v.GetString().ShouldBe(TestBatches.String(r)));
            Check(batch, 6, r, row["dt"], v => v.GetString().ShouldBe(TestBatches.FormatDate(TestBatches.Date(r))));
            Check(batch, 7, r, row["ts_utc"], v => v.GetString().ShouldBe(TestBatches.Timestamp(r).ToString(CultureInfo.InvariantCulture)));
            Check(batch, 8, r, row["ts_local"], v => v.GetString().ShouldBe(TestBatches.Timestamp(r).ToString(CultureInfo.InvariantCulture)));
            Check(batch, 9, r, row["d9"], v => v.GetString().ShouldBe(TestBatches.FormatDecimal(TestBatches.Decimal(r, 9), 2)));
            Check(batch, 10, r, row["d18"], v => v.GetString().ShouldBe(TestBatches.FormatDecimal(TestBatches.Decimal(r, 18), 4)));
            Check(batch, 11, r, row["d38"], v => v.GetString().ShouldBe(TestBatches.FormatDecimal(TestBatches.Decimal(r, 38), 10)));
        }
    }

    [Fact]
    public async Task Select_ZeroRowFile_ReadsAsEmptyTable()
    {
        var path = WriteFile("empty.parquet", new ColumnBatch(TestBatches.AllTypes), new ParquetWriterOptions());

        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({DuckDb.Literal(path)})")).ShouldBe("0");
    }

    [Fact]
    public async Task ParquetMetadata_Statistics_MatchValues()
    {
        var batch = TestBatches.Build(200, Nulls.None);
        var path = WriteFile("stats.parquet", batch, new ParquetWriterOptions());

        var result = await DuckDb.QueryAsync($"""
            SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count
            FROM parquet_metadata({DuckDb.Literal(path)}) WHERE path_in_schema IN ('id', 's', 'dt')
            """);

        var byColumn = result.Rows.ToDictionary(r => r["path_in_schema"].GetString()!);
        byColumn["id"]["stats_min_value"].GetString().ShouldBe("0");
        byColumn["id"]["stats_max_value"].GetString().ShouldBe("199");
        Text(byColumn["s"]["stats_null_count"]).ShouldBe("0");
        var strings = Enumerable.Range(0, 200).Select(TestBatches.String).ToList();
        strings.Sort(StringComparer.Ordinal);
        byColumn["s"]["stats_min_value"].GetString().ShouldBe(strings[0]);
        byColumn["dt"]["stats_max_value"].GetString().ShouldBe(TestBatches.FormatDate(TestBatches.Date(1)));
    }

    [Fact]
    public async Task Select_DictionaryFallbackFile_AllValuesRead()
    {
        var schema = new ParquetSchema([new ParquetField("s", ParquetType.String)]);
        var batch = new ColumnBatch(schema);
        var col = batch.Column<StringColumn>(0);
        for (var i = 0; i < 30_000; i++)
        {
            col.Append(i % 10 == 0 ? "repeat" : $"value-{i:D6}-padding-padding");
        }

        var path = WriteFile("fallback.parquet", batch, new ParquetWriterOptions { DictionaryPageSizeLimitBytes = 32 * 1024 }, schema);

        var result = await DuckDb.QueryAsync($"SELECT count(*)::VARCHAR AS n, count(DISTINCT s)::VARCHAR AS d, max(s) AS mx FROM read_parquet({DuckDb.Literal(path)})");
        result.Rows[0]["n"].GetString().ShouldBe("30000");
        result.Rows[0]["d"].GetString().ShouldBe("27001");
        result.Rows[0]["mx"].GetString().ShouldBe("value-029999-padding-padding");
    }

    [Fact]
    public async Task Select_LowCardinalityIntegers_DictionaryEncodedAndExact()
    {
        var (schema, batch) = LowCardinality(20_000);
        var path = WriteFile("lowcard.parquet", batch, new ParquetWriterOptions { PageSizeBytes = 8192 }, schema);

        var result = await DuckDb.QueryAsync($"""
            SELECT sum(a)::VARCHAR AS a, sum(b)::VARCHAR AS b, sum(m)::VARCHAR AS m, count(m)::VARCHAR AS nm,
                   (SELECT string_agg(DISTINCT encodings, ',') FROM parquet_metadata({DuckDb.Literal(path)}) WHERE path_in_schema = 'a') AS enc
            FROM read_parquet({DuckDb.Literal(path)})
            """);

        var row = result.Rows[0];
        row["a"].GetString().ShouldBe(Enumerable.Range(0, 20_000).Sum(r => r % 7).ToString(CultureInfo.InvariantCulture));
        row["b"].GetString().ShouldBe(Enumerable.Range(0, 20_000).Sum(r => (long)(r % 3) - 1).ToString(CultureInfo.InvariantCulture));
        row["nm"].GetString().ShouldBe("10000");
        row["m"].GetString().ShouldBe(Enumerable.Range(0, 20_000).Where(r => r % 2 == 1).Sum(r => (r % 5) * 1.25m).ToString("0.00", CultureInfo.InvariantCulture));
        row["enc"].GetString().ShouldNotBeNull().ShouldContain("RLE_DICTIONARY");
    }

    [Fact]
    public async Task Select_SmallRowGroupsWithDistinctColumns_DictionarySkippedThenReprobedAndValuesExact()
    {
        // 40 row groups of 100 rows: 'code' and 'n' are all distinct, 'kind' has three values.
        var schema = new ParquetSchema(
        [
            new ParquetField("code", ParquetType.String),
            new ParquetField("kind", ParquetType.String),
            new ParquetField("n", ParquetType.Int64),
        ]);
        var batch = new ColumnBatch(schema, 4000);
        for (var r = 0; r < 4000; r++)
        {
            batch.Column<StringColumn>(0).Append($"ORD-{r:D8}");
            batch.Column<StringColumn>(1).Append(r % 3 == 0 ? "retail" : r % 3 == 1 ? "online" : "partner");
            batch.Column<Int64Column>(2).Append(1_000_000L + (r * 7L));
        }

        var path = WriteFile("reprobe.parquet", batch, new ParquetWriterOptions { RowGroupMaxRows = 100 }, schema);

        var result = await DuckDb.QueryAsync($"""
            SELECT path_in_schema AS col, row_group_id::INTEGER AS rg, encodings AS enc
            FROM parquet_metadata({DuckDb.Literal(path)}) ORDER BY col, rg
            """);
        var dictionaryGroups = result.Rows
            .Where(r => r["enc"].GetString()!.Contains("RLE_DICTIONARY", StringComparison.Ordinal))
            .GroupBy(r => r["col"].GetString()!)
            .ToDictionary(g => g.Key, g => g.Select(r => r["rg"].GetInt32()).ToList());

        // A mostly distinct column tries its dictionary in the first row group, then only every 16th; the rest is PLAIN.
        dictionaryGroups["code"].ShouldBe([0, 17, 34]);
        dictionaryGroups["n"].ShouldBe([0, 17, 34]);
        dictionaryGroups["kind"].Count.ShouldBe(40);
        var values = await DuckDb.QueryAsync($"""
            SELECT count(DISTINCT code)::VARCHAR AS codes, min(code) AS lo, max(code) AS hi, sum(n)::VARCHAR AS total,
                   string_agg(DISTINCT kind, ',' ORDER BY kind) AS kinds
            FROM read_parquet({DuckDb.Literal(path)})
            """);
        values.Rows[0]["codes"].GetString().ShouldBe("4000");
        values.Rows[0]["lo"].GetString().ShouldBe("ORD-00000000");
        values.Rows[0]["hi"].GetString().ShouldBe("ORD-00003999");
        values.Rows[0]["total"].GetString().ShouldBe(Enumerable.Range(0, 4000).Sum(r => 1_000_000L + (r * 7L)).ToString(CultureInfo.InvariantCulture));
        values.Rows[0]["kinds"].GetString().ShouldBe("online,partner,retail");
    }

    internal static (ParquetSchema Schema, ColumnBatch Batch) LowCardinality(int rows)
    {
        var schema = new ParquetSchema(
        [
            new ParquetField("a", ParquetType.Int32, Nullable: false),
            new ParquetField("b", ParquetType.Int64),
            ParquetField.Decimal("m", 18, 2),
        ]);
        var batch = new ColumnBatch(schema, rows);
        for (var r = 0; r < rows; r++)
        {
            batch.Column<Int32Column>(0).Append(r % 7);
            batch.Column<Int64Column>(1).Append((r % 3) - 1L);
            if (r % 2 == 0)
            {
                batch[2].AppendNull();
            }
            else
            {
                batch.Column<DecimalColumn>(2).Append((Int128)((r % 5) * 125));
            }
        }

        return (schema, batch);
    }

    public void Dispose() => _dir.Dispose();

    private static string? Text(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText();

    private static void Check(ColumnBatch batch, int column, int row, JsonElement value, Action<JsonElement> check)
    {
        if (batch[column].IsNull(row))
        {
            value.ValueKind.ShouldBe(JsonValueKind.Null, $"{batch[column].Field.Name} row {row}");
        }
        else
        {
            check(value);
        }
    }

    private string WriteFile(string name, ColumnBatch batch, ParquetWriterOptions options, ParquetSchema? schema = null)
    {
        var path = _dir.Combine(name);
        using var writer = new ParquetFileWriter(File.Create(path), schema ?? TestBatches.AllTypes, options);
        writer.Write(batch);
        return path;
    }
}
