using System.Text.Json;
using Etl.Testing;

namespace Etl.Parquet.Tests;

/// <summary>
/// hyparquet (JavaScript), a second independent reader, reads our files. Its core package has no GZIP codec
/// (that needs the separate hyparquet-compressors), so GZIP is covered by DuckDB only.
/// </summary>
public sealed class HyparquetReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new("parquet-hyparquet");

    [Theory]
    [InlineData(ParquetCompression.Uncompressed)]
    [InlineData(ParquetCompression.Snappy)]
    public async Task Read_AllTypes_RowCountAndValuesMatch(ParquetCompression codec)
    {
        var batch = TestBatches.Build(500, Nulls.Alternating);
        var path = _dir.Combine($"h-{codec}.parquet");
        using (var writer = new ParquetFileWriter(File.Create(path), TestBatches.AllTypes, new ParquetWriterOptions { Compression = codec, RowGroupMaxRows = 200 }))
        {
            writer.Write(batch);
        }

        using var doc = JsonDocument.Parse(await NodeScript.RunAsync("hyparquet-read.mjs", [path]));

        var root = doc.RootElement;
        root.GetProperty("rows").GetInt32().ShouldBe(500);
        var last = root.GetProperty("last");
        last.GetProperty("id").GetString().ShouldBe("499");
        // Row 499: column s (index 5) is present when (499 + 5) is odd; it is even, so null.
        last.GetProperty("s").ValueKind.ShouldBe(JsonValueKind.Null);
        last.GetProperty("b").ValueKind.ShouldBe(JsonValueKind.Null);
        last.GetProperty("i32").GetInt32().ShouldBe(TestBatches.Int32(499));
        var first = root.GetProperty("first");
        first.GetProperty("s").GetString().ShouldBe(TestBatches.String(0));
    }

    public void Dispose() => _dir.Dispose();
}
