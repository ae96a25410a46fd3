using System.Text;
using Etl.Testing;

namespace Etl.Parquet.Tests;

/// <summary>Long string statistics are truncated to bounds, marked inexact, and readers still filter correctly.</summary>
public sealed class StatisticsTruncationTests : IDisposable
{
    private static readonly ParquetSchema s_schema = new([new ParquetField("s", ParquetType.String)]);

    private readonly TempDirectory _dir = new("parquet-stats");

    [Fact]
    public void Write_HugeValue_FooterHoldsBoundsNotTheValue()
    {
        var huge = "m" + new string('x', 4 << 20);
        var path = Write(["b", huge, "a"]);

        new FileInfo(path).Length.ShouldBeLessThan(huge.Length + (1 << 16), "the value is stored once, in its page, not again in min/max");
        using var reader = ParquetFileReader.Open(File.OpenRead(path));
        var stats = reader.GetStatistics(0, 0);
        (stats.Min, stats.MinIsExact).ShouldBe(("a", true));
        var max = stats.Max.ShouldBeOfType<string>();
        max.ShouldBe("m" + new string('x', 62) + "y", "a 64-byte prefix with its last character incremented");
        stats.MaxIsExact.ShouldBeFalse();
        string.CompareOrdinal(max, huge).ShouldBeGreaterThan(0, "a truncated max is still an upper bound");
    }

    [Fact]
    public void Write_LongMinAndMultiByteCharacters_PrefixEndsOnACharacterBoundary()
    {
        var min = new string('é', 100);
        var max = "ê" + string.Concat(Enumerable.Repeat("\U0010FFFF", 100));
        var path = Write([min, max]);

        using var reader = ParquetFileReader.Open(File.OpenRead(path));
        var stats = reader.GetStatistics(0, 0);
        stats.Min.ShouldBe(new string('é', 32), "64 bytes of two-byte characters");
        stats.MinIsExact.ShouldBeFalse();
        stats.Max.ShouldBe("ë", "U+10FFFF cannot be incremented, so the bound increments the 'ê' before them");
        stats.MaxIsExact.ShouldBeFalse();
    }

    [Fact]
    public void Write_ShortValues_StatisticsExactAndUnmarked()
    {
        var path = Write(["kiwi", "apple"]);

        using var reader = ParquetFileReader.Open(File.OpenRead(path));
        reader.GetStatistics(0, 0).ShouldBe(new ColumnStatistics(0, "apple", "kiwi"));
    }

    [Fact]
    public async Task DuckDb_TruncatedStatistics_FiltersStillFindEveryRow()
    {
        var huge = "m" + new string('x', 1 << 20);
        var low = new string('a', 200);
        var path = Write([low, huge, "b"]);
        var file = DuckDb.Literal(path);

        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({file}) WHERE s = '{huge}'")).ShouldBe("1");
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({file}) WHERE s >= '{huge}'")).ShouldBe("1");
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({file}) WHERE s <= '{low}'")).ShouldBe("1");
        (await DuckDb.ScalarAsync($"SELECT count(*) FROM read_parquet({file}) WHERE s > 'm'")).ShouldBe("1");
        (await DuckDb.ScalarAsync($"SELECT max(length(stats_max_value)) + max(length(stats_min_value)) <= 130 FROM parquet_metadata({file})")).ShouldBe("true");
    }

    public void Dispose() => _dir.Dispose();

    private string Write(string[] values)
    {
        var batch = new ColumnBatch(s_schema);
        var column = (StringColumn)batch[0];
        foreach (var v in values)
        {
            column.Append(Encoding.UTF8.GetBytes(v));
        }

        var path = _dir.Combine($"s{Guid.NewGuid():N}.parquet");
        using var writer = new ParquetFileWriter(File.Create(path), s_schema, new ParquetWriterOptions());
        writer.Write(batch);
        return path;
    }
}
