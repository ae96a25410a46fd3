using System.Text;
using Etl.Core.Generation;

namespace Etl.Core.Tests.Generation;

public sealed class PartnerSalesGeneratorTests
{
    private static async Task<string[]> GenerateAsync(PartnerSalesOptions options)
    {
        using var stream = new MemoryStream();
        await PartnerSalesGenerator.WriteAsync(stream, options, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task WriteAsync_TwoLayouts_DifferentHeadersSameRowCount()
    {
        var a = await GenerateAsync(new PartnerSalesOptions(20, 'a', new DateOnly(2024, 1, 1)));
        var b = await GenerateAsync(new PartnerSalesOptions(20, 'b', new DateOnly(2024, 1, 1)));
        a[0].TrimEnd('\r').ShouldNotBe(b[0].TrimEnd('\r'));
        a.Length.ShouldBe(21);
        b.Length.ShouldBe(21);
    }
}
