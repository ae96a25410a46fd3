namespace Etl.Parquet.Tests;

/// <summary>Once its buffers are sized, the writer allocates per row group at most, never per value (no boxing).</summary>
public sealed class WriterAllocationTests
{
    private static readonly ParquetSchema s_schema = new(
    [
        new ParquetField("distinct_i64", ParquetType.Int64, Nullable: false),
        new ParquetField("distinct_i32", ParquetType.Int32, Nullable: false),
        new ParquetField("few_i64", ParquetType.Int64, Nullable: false),
        new ParquetField("few_s", ParquetType.String),
        new ParquetField("distinct_s", ParquetType.String),
        ParquetField.Decimal("amount", 18, 2),
    ]);

    [Theory]
    [InlineData(ParquetCompression.Uncompressed)]
    [InlineData(ParquetCompression.Snappy)]
    public void Write_MillionRows_AllocatesNothingPerValue(ParquetCompression compression)
    {
        const int batchRows = 65_536;
        const int batches = 16;
        var batch = new ColumnBatch(s_schema, batchRows);
        var a = (Int64Column)batch[0];
        var b = (Int32Column)batch[1];
        var c = (Int64Column)batch[2];
        var d = (StringColumn)batch[3];
        var e = (StringColumn)batch[4];
        var f = (DecimalColumn)batch[5];
        string[] words = ["north", "south", "east", "west", "Ünïcødé ✓"];
        for (var r = 0; r < batchRows; r++)
        {
            a.Append(r * 7_919L);
            b.Append(r * 31);
            c.Append(r % 40);
            if (r % 9 == 0)
            {
                d.AppendNull();
            }
            else
            {
                d.Append(words[r % words.Length]);
            }

            e.Append($"order-{r:D8}");
            f.Append((Int128)(r * 1_234L));
        }

        var options = new ParquetWriterOptions { Compression = compression, RowGroupMaxRows = 4 * batchRows };
        using var writer = new ParquetFileWriter(Stream.Null, s_schema, options);
        for (var i = 0; i < 8; i++)
        {
            writer.Write(batch); // the first two row groups size the reused buffers: not what this measures
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < batches; i++)
        {
            writer.Write(batch);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var values = (long)batchRows * batches * s_schema.Fields.Count;
        allocated.ShouldBeLessThan(values / 100, $"{allocated:N0} bytes allocated writing {values:N0} values ({(double)allocated / values:F2} a value)");
    }
}
