using Etl.Testing;

namespace Etl.Parquet.Tests;

/// <summary>Decimals at each physical-type boundary (INT32 / INT64 / FIXED_LEN_BYTE_ARRAY) round-trip and DuckDB agrees.</summary>
public sealed class DecimalEdgeTests : IDisposable
{
    private static readonly int[] s_precisions = [1, 9, 10, 18, 19, 28, 38];

    private readonly TempDirectory _dir = new("parquet-decimal-edges");

    [Fact]
    public async Task Write_DecimalsAtPrecisionEdges_ReadBackAndDuckDbAgree()
    {
        const int rows = 50;
        var schema = new ParquetSchema([.. s_precisions.Select(p => ParquetField.Decimal($"d{p}", p, Math.Min(p - 1, 3)))]);
        var batch = new ColumnBatch(schema, rows);
        for (var c = 0; c < s_precisions.Length; c++)
        {
            var column = batch.Column<DecimalColumn>(c);
            for (var r = 0; r < rows; r++)
            {
                if (r == 5)
                {
                    column.AppendNull();
                }
                else
                {
                    column.Append(TestBatches.Decimal(r, s_precisions[c]));
                }
            }
        }

        var path = _dir.Combine("edges.parquet");
        using (var writer = new ParquetFileWriter(File.Create(path), schema))
        {
            writer.Write(batch);
        }

        using (var reader = ParquetFileReader.Open(File.OpenRead(path)))
        {
            var back = reader.ReadRowGroup(0);
            for (var c = 0; c < s_precisions.Length; c++)
            {
                for (var r = 0; r < rows; r++)
                {
                    back[c].IsNull(r).ShouldBe(r == 5);
                    if (r != 5)
                    {
                        back.Column<DecimalColumn>(c)[r].ShouldBe(batch.Column<DecimalColumn>(c)[r], $"d{s_precisions[c]} row {r}");
                    }
                }
            }
        }

        var types = await DuckDb.QueryAsync($"DESCRIBE SELECT * FROM read_parquet({DuckDb.Literal(path)})");
        var physical = await DuckDb.QueryAsync($"SELECT name, type FROM parquet_schema({DuckDb.Literal(path)}) WHERE name <> 'duckdb_schema'");
        var physicalByName = physical.Rows.ToDictionary(r => r["name"].GetString()!, r => r["type"].GetString());
        physicalByName["d9"].ShouldBe("INT32");
        physicalByName["d10"].ShouldBe("INT64");
        physicalByName["d18"].ShouldBe("INT64");
        physicalByName["d19"].ShouldBe("FIXED_LEN_BYTE_ARRAY");
        physicalByName["d38"].ShouldBe("FIXED_LEN_BYTE_ARRAY");
        var stats = await DuckDb.QueryAsync($"SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata({DuckDb.Literal(path)})");
        foreach (var row in stats.Rows)
        {
            var name = row["path_in_schema"].GetString()!;
            var p = int.Parse(name[1..], System.Globalization.CultureInfo.InvariantCulture);
            var scale = Math.Min(p - 1, 3);
            var values = Enumerable.Range(0, rows).Where(r => r != 5).Select(r => TestBatches.Decimal(r, p)).ToList();
            row["stats_min_value"].GetString().ShouldBe(TestBatches.FormatDecimal(values.Min(), scale), name);
            row["stats_max_value"].GetString().ShouldBe(TestBatches.FormatDecimal(values.Max(), scale), name);
            row["stats_null_count"].GetString().ShouldBe("1", name);
        }

        var select = string.Join(", ", s_precisions.Select(p => $"d{p}::VARCHAR AS d{p}"));
        var result = await DuckDb.QueryAsync($"SELECT {select} FROM read_parquet({DuckDb.Literal(path)})");
        for (var c = 0; c < s_precisions.Length; c++)
        {
            var p = s_precisions[c];
            var scale = Math.Min(p - 1, 3);
            types.Rows[c]["column_type"].GetString().ShouldBe($"DECIMAL({p},{scale})");
            for (var r = 0; r < rows; r++)
            {
                var value = result.Rows[r][$"d{p}"];
                if (r == 5)
                {
                    value.ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
                }
                else
                {
                    value.GetString().ShouldBe(TestBatches.FormatDecimal(TestBatches.Decimal(r, p), scale), $"d{p} row {r}");
                }
            }
        }
    }

    public void Dispose() => _dir.Dispose();
}
