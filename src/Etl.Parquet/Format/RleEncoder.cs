namespace Etl.Parquet.Format;

/// <summary>
/// The RLE / bit-packed hybrid encoding used for definition levels and dictionary indices: runs of 8 or more equal
/// values become RLE runs, everything else is bit-packed in groups of 8 (LSB first).
/// </summary>
internal static class RleEncoder
{
    public static int BitWidth(int maxValue) => maxValue == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)maxValue);

    public static void Encode(ReadOnlySpan<int> values, int bitWidth, ByteBuffer output)
    {
        var byteWidth = (bitWidth + 7) / 8;
        var i = 0;
        var n = values.Length;
        while (i < n)
        {
            var run = RunLength(values, i);
            if (run >= 8)
            {
                output.WriteVarUInt((uint)run << 1);
                var v = values[i];
                for (var b = 0; b < byteWidth; b++)
                {
                    output.WriteByte((byte)(v >> (8 * b)));
                }

                i += run;
                continue;
            }

            // Bit-pack groups of 8 until a long run starts at a group boundary (at most 63 groups per header).
            var start = i;
            var groups = 0;
            do
            {
                groups++;
                i += 8;
            }
            while (i < n && groups < 63 && RunLength(values, i) < 8);

            output.WriteVarUInt(((uint)groups << 1) | 1);
            BitPack(values, start, groups * 8, bitWidth, output);
            if (i > n)
            {
                i = n;
            }
        }
    }

    private static int RunLength(ReadOnlySpan<int> values, int start)
    {
        var v = values[start];
        var j = start + 1;
        while (j < values.Length && values[j] == v)
        {
            j++;
        }

        return j - start;
    }

    private static void BitPack(ReadOnlySpan<int> values, int start, int count, int bitWidth, ByteBuffer output)
    {
        var bytes = count * bitWidth / 8;
        var span = output.GetSpan(bytes)[..bytes];
        span.Clear();
        if (bitWidth == 0)
        {
            output.Advance(bytes);
            return;
        }

        ulong acc = 0;
        var bits = 0;
        var pos = 0;
        for (var k = 0; k < count; k++)
        {
            var idx = start + k;
            var v = idx < values.Length ? (uint)values[idx] : 0u;
            acc |= (ulong)v << bits;
            bits += bitWidth;
            while (bits >= 8)
            {
                span[pos++] = (byte)acc;
                acc >>= 8;
                bits -= 8;
            }
        }

        output.Advance(bytes);
    }
}
