namespace Etl.Parquet.Format;

/// <summary>Decodes the RLE / bit-packed hybrid encoding with bounds checks.</summary>
internal static class RleDecoder
{
    /// <summary>Decodes exactly <paramref name="output"/>.Length values from <paramref name="data"/>.</summary>
    public static void Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> output, string where)
    {
        if (bitWidth is < 0 or > 32)
        {
            throw new ParquetFormatException($"{where}: invalid bit width {bitWidth}.");
        }

        var byteWidth = (bitWidth + 7) / 8;
        var pos = 0;
        var produced = 0;
        while (produced < output.Length)
        {
            var header = ReadVarUInt(data, ref pos, where);
            if ((header & 1) == 0)
            {
                var run = header >> 1;
                if (run == 0 || run > (ulong)(output.Length - produced))
                {
                    // A run past the needed count is legal only at the end; clamp it.
                    if (run == 0)
                    {
                        throw new ParquetFormatException($"{where}: RLE run of length 0.");
                    }

                    run = (ulong)(output.Length - produced);
                }

                if (pos + byteWidth > data.Length)
                {
                    throw new ParquetFormatException($"{where}: RLE run value past the end of the page.");
                }

                var v = 0;
                for (var b = 0; b < byteWidth; b++)
                {
                    v |= data[pos + b] << (8 * b);
                }

                pos += byteWidth;
                output.Slice(produced, (int)run).Fill(v);
                produced += (int)run;
            }
            else
            {
                var groups = header >> 1;
                var count = groups * 8;
                var bytes = groups * (ulong)bitWidth;
                if (bytes > (ulong)(data.Length - pos))
                {
                    throw new ParquetFormatException($"{where}: bit-packed run of {count} values past the end of the page.");
                }

                var take = (int)Math.Min(count, (ulong)(output.Length - produced));
                Unpack(data.Slice(pos, (int)bytes), bitWidth, output.Slice(produced, take));
                pos += (int)bytes;
                produced += take;
            }
        }
    }

    private static void Unpack(ReadOnlySpan<byte> data, int bitWidth, Span<int> output)
    {
        if (bitWidth == 0)
        {
            output.Clear();
            return;
        }

        ulong acc = 0;
        var bits = 0;
        var pos = 0;
        var mask = bitWidth == 32 ? 0xFFFFFFFFUL : (1UL << bitWidth) - 1;
        for (var k = 0; k < output.Length; k++)
        {
            while (bits < bitWidth)
            {
                acc |= (ulong)data[pos++] << bits;
                bits += 8;
            }

            output[k] = (int)(acc & mask);
            acc >>= bitWidth;
            bits -= bitWidth;
        }
    }

    private static ulong ReadVarUInt(ReadOnlySpan<byte> data, ref int pos, string where)
    {
        ulong result = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (pos >= data.Length)
            {
                throw new ParquetFormatException($"{where}: encoded levels end early.");
            }

            var b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new ParquetFormatException($"{where}: run header varint too long.");
    }
}
