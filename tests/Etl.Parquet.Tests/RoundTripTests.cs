
namespace Etl.Parquet.Tests;

public sealed class RoundTripTests
{
    public static TheoryData<ParquetCompression, Nulls, int> Cases()
    {
        var data = new TheoryData<ParquetCompression, Nulls, int>();
        foreach (var codec in Enum.GetValues<ParquetCompression>())
        {
            foreach (var nulls in Enum.GetValues<Nulls>())
            {
                data.Add(codec, nulls, 1000);
            }
        }

        data.Add(ParquetCompression.Snappy, Nulls.Alternating, 1);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WriteThenRead_AllTypes_ValuesAndNullsSurvive(ParquetCompression codec, Nulls nulls, int rows)
    {
        var batch = TestBatches.Build(rows, nulls);
        var bytes = Write([batch], new ParquetWriterOptions { Compression = codec });

        using var reader = ParquetFileReader.Open(new MemoryStream(bytes));
        reader.RowCount.ShouldBe(rows);
        reader.Schema.Fields.ShouldBe(TestBatches.AllTypes.Fields);
        var read = ReadAll(reader);
        AssertSame(batch, read);
    }

    [Fact]
    public void Write_ZeroRows_ReadsBackEmptyWithSchema()
    {
        var bytes = Write([], new ParquetWriterOptions());

        using var reader = ParquetFileReader.Open(new MemoryStream(bytes));
        reader.RowCount.ShouldBe(0);
        reader.RowGroupCount.ShouldBe(0);
        reader.Schema.Fields.Count.ShouldBe(TestBatches.AllTypes.Fields.Count);
    }

    [Fact]
    public void Write_RowGroupMaxRows_SplitsIntoManyRowGroups()
    {
        var batch = TestBatches.Build(2500, Nulls.Alternating);
        var bytes = Write([batch], new ParquetWriterOptions { RowGroupMaxRows = 300 });

        using var reader = ParquetFileReader.Open(new MemoryStream(bytes));
        reader.RowGroupCount.ShouldBe(9);
        reader.GetRowGroupRowCount(0).ShouldBe(300);
        reader.GetRowGroupRowCount(8).ShouldBe(100);
        AssertSame(batch, ReadAll(reader));
    }

    [Fact]
    public void Write_SmallPages_ManyPagesPerChunkRoundTrip()
    {
        var batch = TestBatches.Build(5000, Nulls.Alternating);
        var bytes = Write([batch], new ParquetWriterOptions { PageSizeBytes = 512 });

        using var reader = ParquetFileReader.Open(new MemoryStream(bytes));
        AssertSame(batch, ReadAll(reader));
    }

    [Fact]
    public void Write_DictionaryOverLimit_FallsBackToPlainAndRoundTrips()
    {
        var schema = new ParquetSchema([new ParquetField("s", ParquetType.String)]);
        var batch = new ColumnBatch(schema);
        var s = batch.Column<StringColumn>(0);
        for (var i = 0; i < 20_000; i++)
        {
            s.Append($"unique value number {i} with some padding to grow the dictionary");
        }

        var bytes = Write([batch], new ParquetWriterOptions { DictionaryPageSizeLimitBytes = 64 * 1024 }, schema);

        using var reader = ParquetFileReader.Open(new MemoryStream(bytes));
        AssertSame(batch, ReadAll(reader));
    }

    [Fact]
    public void Write_LowCardinalityIntegers_DictionaryRoundTrips()
    {
        var (schema, batch) = DuckDbReaderTests.LowCardinality(50_000);
        var bytes = Write([batch], new ParquetWriterOptions { PageSizeBytes = 4096, RowGroupMaxRows = 20_000 }, schema);

        using var reader = ParquetFileReader.Open(new MemoryStream(bytes));
        AssertSame(batch, ReadAll(reader));
        bytes.Length.ShouldBeLessThan(50_000, "dictionary encoding should make 50,000 low-cardinality rows tiny");
    }

    [Fact]
    public void Write_RowSubset_WritesOnlyThoseRowsInOrder()
    {
        var batch = TestBatches.Build(100, Nulls.Alternating);
        int[] rows = [5, 3, 99, 42];
        using var ms = new MemoryStream();
        using (var writer = new ParquetFileWriter(ms, TestBatches.AllTypes, leaveOpen: true))
        {
            writer.Write(batch, rows);
        }

        using var reader = ParquetFileReader.Open(new MemoryStream(ms.ToArray()));
        var read = reader.ReadRowGroup(0);
        read.RowCount.ShouldBe(4);
        var ids = read.Column<Int64Column>(0);
        ids[0].ShouldBe(5);
        ids[2].ShouldBe(99);
        read.Column<StringColumn>(5).GetString(3).ShouldBe(batch.Column<StringColumn>(5).GetString(42));
    }

    [Fact]
    public void Write_KeyValueMetadata_ReadBack()
    {
        var options = new ParquetWriterOptions();
        options.KeyValueMetadata["etl.source"] = "landing/a.csv";
        var bytes = Write([TestBatches.Build(3, Nulls.None)], options);

        using var reader = ParquetFileReader.Open(new MemoryStream(bytes));
        reader.KeyValueMetadata["etl.source"].ShouldBe("landing/a.csv");
        reader.CreatedBy.ShouldNotBeNull().ShouldStartWith("etl-parquet");
    }

    [Fact]
    public void Statistics_MinMaxNullCount_Recorded()
    {
        var batch = TestBatches.Build(50, Nulls.Alternating);
        var bytes = Write([batch], new ParquetWriterOptions());

        using var reader = ParquetFileReader.Open(new MemoryStream(bytes));
        var id = reader.GetStatistics(0, 0);
        id.Min.ShouldBe(0L);
        id.Max.ShouldBe(49L);
        id.NullCount.ShouldBe(0);
        var i32 = reader.GetStatistics(0, 2);
        i32.NullCount.ShouldBe(25);
        var i32Values = Enumerable.Range(0, 50).Where(r => !batch[2].IsNull(r)).Select(TestBatches.Int32).ToList();
        i32.Min.ShouldBe(i32Values.Min());
        i32.Max.ShouldBe(i32Values.Max());
        var d38 = reader.GetStatistics(0, 11);
        d38.Max.ShouldBe(TestBatches.Decimal(0, 38));
    }

    [Fact]
    public async Task WriteAsync_NonSeekableStream_ProducesReadableFile()
    {
        var batch = TestBatches.Build(300, Nulls.Alternating);
        var sink = new MemoryStream();
        await using (var writer = new ParquetFileWriter(new ForwardOnlyStream(sink), TestBatches.AllTypes))
        {
            await writer.WriteAsync(batch);
            await writer.CloseAsync();
            writer.BytesWritten.ShouldBe(sink.Length);
        }

        using var reader = await ParquetFileReader.OpenAsync(new MemoryStream(sink.ToArray()));
        AssertSame(batch, await reader.ReadRowGroupAsync(0));
    }

    [Fact]
    public void Append_NullIntoRequired_Throws()
    {
        var col = new Int64Column(new ParquetField("x", ParquetType.Int64, Nullable: false));
        Should.Throw<InvalidOperationException>(col.AppendNull);
    }

    internal static byte[] Write(IEnumerable<ColumnBatch> batches, ParquetWriterOptions options, ParquetSchema? schema = null)
    {
        using var ms = new MemoryStream();
        using (var writer = new ParquetFileWriter(ms, schema ?? TestBatches.AllTypes, options, leaveOpen: true))
        {
            foreach (var b in batches)
            {
                writer.Write(b);
            }
        }

        return ms.ToArray();
    }

    internal static ColumnBatch ReadAll(ParquetFileReader reader)
    {
        var all = new ColumnBatch(reader.Schema);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var part = reader.ReadRowGroup(g);
            var rows = Enumerable.Range(0, part.RowCount).ToArray();
            for (var c = 0; c < part.Columns.Count; c++)
            {
                foreach (var r in rows)
                {
                    CopyValue(part[c], r, all[c]);
                }
            }
        }

        return all;
    }

    internal static void AssertSame(ColumnBatch expected, ColumnBatch actual)
    {
        actual.RowCount.ShouldBe(expected.RowCount);
        for (var c = 0; c < expected.Columns.Count; c++)
        {
            var e = expected[c];
            var a = actual[c];
            for (var r = 0; r < expected.RowCount; r++)
            {
                a.IsNull(r).ShouldBe(e.IsNull(r), $"column {e.Field.Name} row {r} null");
                if (e.IsNull(r))
                {
                    continue;
                }

                var ok = (e, a) switch
                {
                    (BooleanColumn x, BooleanColumn y) => x[r] == y[r],
                    (Int32Column x, Int32Column y) => x[r] == y[r],
                    (Int64Column x, Int64Column y) => x[r] == y[r],
                    (DoubleColumn x, DoubleColumn y) => x[r].Equals(y[r]),
                    (DecimalColumn x, DecimalColumn y) => x[r] == y[r],
                    (StringColumn x, StringColumn y) => x.GetBytes(r).SequenceEqual(y.GetBytes(r)),
                    _ => false,
                };
                ok.ShouldBeTrue($"column {e.Field.Name} row {r}");
            }
        }
    }

    private static void CopyValue(ColumnBuffer from, int r, ColumnBuffer to)
    {
        if (from.IsNull(r))
        {
            to.AppendNull();
            return;
        }

        switch (from, to)
        {
            case (BooleanColumn x, BooleanColumn y): y.Append(x[r]); break;
            case (Int32Column x, Int32Column y): y.Append(x[r]); break;
            case (Int64Column x, Int64Column y): y.Append(x[r]); break;
            case (DoubleColumn x, DoubleColumn y): y.Append(x[r]); break;
            case (DecimalColumn x, DecimalColumn y): y.Append(x[r]); break;
            case (StringColumn x, StringColumn y): y.Append(x.GetBytes(r)); break;
        }
    }

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
