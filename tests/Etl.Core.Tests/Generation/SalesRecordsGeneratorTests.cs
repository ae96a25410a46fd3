using System.Text;
using Etl.Core.Generation;

namespace Etl.Core.Tests.Generation;

public sealed class SalesRecordsGeneratorTests
{
    private static async Task<string[]> GenerateAsync(SalesRecordsOptions options)
    {
        using var stream = new MemoryStream();
        await SalesRecordsGenerator.WriteAsync(stream, options, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task WriteAsync_SameSeed_SameBytes()
    {
        var a = await GenerateAsync(new SalesRecordsOptions(500, Seed: 7));
        var b = await GenerateAsync(new SalesRecordsOptions(500, Seed: 7));
        a.ShouldBe(b);
        a.Length.ShouldBe(501);
    }

    [Fact]
    public async Task WriteAsync_DropColumn_HeaderLacksColumn()
    {
        var lines = await GenerateAsync(new SalesRecordsOptions(10, DropColumn: "Order Date"));
        lines[0].ShouldNotContain("Order Date");
    }
}
