namespace Etl.Parquet.Format;

/// <summary>How DECIMAL values are laid out by precision.</summary>
internal static class DecimalLayout
{
    public static PhysicalType PhysicalTypeFor(int precision) => precision switch
    {
        <= 9 => PhysicalType.Int32,
        <= 18 => PhysicalType.Int64,
        _ => PhysicalType.FixedLenByteArray,
    };

    /// <summary>The fewest bytes whose signed range holds every value of <paramref name="precision"/> digits.</summary>
    public static int ByteWidth(int precision)
    {
        var max = Int128.One;
        for (var i = 0; i < precision; i++)
        {
            max *= 10;
        }

        max -= 1;
        for (var bytes = 1; bytes < 16; bytes++)
        {
            if (max < (Int128.One << ((8 * bytes) - 1)))
            {
                return bytes;
            }
        }

        return 16;
    }

    public static void WriteBigEndian(Int128 value, Span<byte> destination)
    {
        var v = value;
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)v;
            v >>= 8;
        }
    }

    public static Int128 ReadBigEndian(ReadOnlySpan<byte> source)
    {
        // Sign-extend from the first byte.
        Int128 v = (sbyte)source[0];
        for (var i = 1; i < source.Length; i++)
        {
            v = (v << 8) | source[i];
        }

        return v;
    }
}
