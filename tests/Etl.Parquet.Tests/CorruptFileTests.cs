namespace Etl.Parquet.Tests;

/// <summary>A corrupt, truncated or lying file gives a clear exception: never a hang, never a huge allocation.</summary>
public sealed class CorruptFileTests
{
    private static readonly byte[] s_good = RoundTripTests.Write(
        [TestBatches.Build(400, Nulls.Alternating)],
        new ParquetWriterOptions { RowGroupMaxRows = 150, PageSizeBytes = 2048 });

    [Fact]
    public void Open_TooShort_ThrowsFormatException()
    {
        var ex = Should.Throw<ParquetFormatException>(() => ParquetFileReader.Open(new MemoryStream([1, 2, 3])));
        ex.Message.ShouldContain("3 bytes");
    }

    [Fact]
    public void Open_NotParquet_SaysMagicBytesMissing()
    {
        var bytes = "name,value\nx,1\ny,2\n"u8.ToArray();
        Should.Throw<ParquetFormatException>(() => ParquetFileReader.Open(new MemoryStream(bytes))).Message.ShouldContain("PAR1");
    }

    [Fact]
    public void Open_FooterLengthAbsurd_ThrowsBeforeAllocating()
    {
        var bytes = (byte[])s_good.Clone();
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), int.MaxValue).ShouldBeTrue();
        var before = GC.GetAllocatedBytesForCurrentThread();

        Should.Throw<ParquetFormatException>(() => ParquetFileReader.Open(new MemoryStream(bytes))).Message.ShouldContain("footer length");
        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(1_000_000);
    }

    [Fact]
    public void ReadAll_EveryTruncation_ThrowsCleanly()
    {
        // Cut the file at many points; each must fail with a clear exception (or, for none of them, read garbage silently).
        for (var cut = 1; cut < s_good.Length; cut += Math.Max(1, s_good.Length / 300))
        {
            var bytes = s_good.AsSpan(0, cut).ToArray();
            var ex = Record.Exception(() => ReadEverything(bytes));
            ex.ShouldNotBeNull($"truncated at {cut} of {s_good.Length}");
            ex.ShouldBeOfType<ParquetFormatException>($"truncated at {cut}: {ex.Message}");
        }
    }

    [Fact]
    public void ReadAll_FlippedBytes_NeverHangsOrThrowsUnexpectedTypes()
    {
        var random = new Random(12345);
        for (var i = 0; i < 600; i++)
        {
            var bytes = (byte[])s_good.Clone();
            var flips = 1 + random.Next(4);
            for (var f = 0; f < flips; f++)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 + random.Next(255));
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            var ex = Record.Exception(() => ReadEverything(bytes));
            (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(200_000_000, $"iteration {i}");
            if (ex is not null)
            {
                // A flipped value byte can decode to another valid value; structural damage must be a format error.
                ex.ShouldBeOfType<ParquetFormatException>($"iteration {i}: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    [Theory]
    [InlineData(ParquetCompression.Uncompressed)]
    [InlineData(ParquetCompression.Gzip)]
    public void ReadAll_FlippedBytesOtherCodecs_OnlyFormatExceptions(ParquetCompression codec)
    {
        var good = RoundTripTests.Write(
            [TestBatches.Build(300, Nulls.Alternating)],
            new ParquetWriterOptions { Compression = codec, RowGroupMaxRows = 120, PageSizeBytes = 1024 });
        var random = new Random(777 + (int)codec);
        for (var i = 0; i < 300; i++)
        {
            var bytes = (byte[])good.Clone();
            bytes[random.Next(bytes.Length)] ^= (byte)(1 + random.Next(255));
            var before = GC.GetAllocatedBytesForCurrentThread();
            var ex = Record.Exception(() => ReadEverything(bytes));
            (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(200_000_000, $"{codec} iteration {i}");
            if (ex is not null)
            {
                ex.ShouldBeOfType<ParquetFormatException>($"{codec} iteration {i}: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private static void ReadEverything(byte[] bytes)
    {
        using var reader = ParquetFileReader.Open(new MemoryStream(bytes));
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            reader.ReadRowGroup(g);
            for (var c = 0; c < reader.Schema.Fields.Count; c++)
            {
                reader.GetStatistics(g, c);
            }
        }
    }
}
