using System.Text;
using Etl.Parquet.Format;

namespace Etl.Parquet.Tests;

/// <summary>Our Snappy must interoperate with an independent implementation (IronSnappy) both ways.</summary>
public sealed class SnappyTests
{
    public static TheoryData<string> Inputs() => new() { "empty", "short", "repetitive", "random", "text", "large" };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Compress_ThenIronSnappyDecode_Roundtrips(string kind)
    {
        var input = Make(kind);
        var buffer = new ByteBuffer();

        SnappyCodec.Compress(input, buffer);

        IronSnappy.Snappy.Decode(buffer.WrittenSpan).ShouldBe(input);
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void IronSnappyEncode_ThenDecompress_Roundtrips(string kind)
    {
        var input = Make(kind);
        var compressed = IronSnappy.Snappy.Encode(input);
        var output = new byte[input.Length];

        SnappyCodec.Decompress(compressed, output, "test");

        output.ShouldBe(input);
    }

    [Fact]
    public void Decompress_LengthMismatch_Throws()
    {
        var compressed = IronSnappy.Snappy.Encode(Make("text"));
        Should.Throw<ParquetFormatException>(() => SnappyCodec.Decompress(compressed, new byte[10], "test"));
    }

    private static byte[] Make(string kind)
    {
        var random = new Random(7);
        switch (kind)
        {
            case "empty":
                return [];
            case "short":
                return [1, 2, 3];
            case "repetitive":
                return Enumerable.Repeat((byte)'a', 200_000).ToArray();
            case "random":
                {
                    var b = new byte[100_000];
                    random.NextBytes(b);
                    return b;
                }

            case "text":
                {
                    var sb = new StringBuilder();
                    for (var i = 0; i < 5000; i++)
                    {
                        sb.Append("Sub-Saharan Africa,Chad,Office Supplies,Online,L,1/27/2011,292494523,2/12/2011,4484,651.21,524.96\n");
                        sb.Append(i);
                    }

                    return Encoding.UTF8.GetBytes(sb.ToString());
                }

            default:
                {
                    var b = new byte[3_000_000];
                    for (var i = 0; i < b.Length; i++)
                    {
                        b[i] = (byte)(random.Next(8) == 0 ? random.Next(256) : (i / 7) % 61);
                    }

                    return b;
                }
        }
    }
}
