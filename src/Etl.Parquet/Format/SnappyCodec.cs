using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Etl.Parquet.Format;

/// <summary>
/// Snappy raw-format compressor and decompressor (the framing-less format Parquet uses). The compressor works on 64 KiB
/// blocks with a 16K-entry hash table of 4-byte sequences, as the reference implementation does; the decompressor
/// checks every length and offset against its buffers.
/// </summary>
internal static class SnappyCodec
{
    private const int BlockSize = 1 << 16;
    private const int HashBits = 14;

    [ThreadStatic]
    private static ushort[]? t_table;

    public static int MaxCompressedLength(int sourceLength) => 32 + sourceLength + (sourceLength / 6);

    public static int Compress(ReadOnlySpan<byte> source, ByteBuffer destination)
    {
        var span = destination.GetSpan(MaxCompressedLength(source.Length));
        var pos = WriteVarUInt(span, (uint)source.Length);
        var table = t_table ??= new ushort[1 << HashBits];
        for (var blockStart = 0; blockStart < source.Length; blockStart += BlockSize)
        {
            var block = source.Slice(blockStart, Math.Min(BlockSize, source.Length - blockStart));
            pos = CompressBlock(block, span, pos, table);
        }

        destination.Advance(pos);
        return pos;
    }

    public static void Decompress(ReadOnlySpan<byte> source, Span<byte> destination, string where)
    {
        var sp = 0;
        uint declared = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (sp >= source.Length || shift > 28)
            {
                throw new ParquetFormatException($"{where}: corrupt Snappy length header.");
            }

            var b = source[sp++];
            declared |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        if (declared != (uint)destination.Length)
        {
            throw new ParquetFormatException($"{where}: Snappy data holds {declared} bytes but the page header says {destination.Length}.");
        }

        var dp = 0;
        while (sp < source.Length)
        {
            var tag = source[sp++];
            int length;
            int offset;
            switch (tag & 3)
            {
                case 0:
                    length = tag >> 2;
                    if (length >= 60)
                    {
                        var extra = length - 59;
                        if (sp + extra > source.Length)
                        {
                            ThrowCorrupt(where);
                        }

                        length = 0;
                        for (var i = 0; i < extra; i++)
                        {
                            length |= source[sp + i] << (8 * i);
                        }

                        sp += extra;
                        if (length < 0)
                        {
                            ThrowCorrupt(where);
                        }
                    }

                    length++;
                    if (length > source.Length - sp || length > destination.Length - dp)
                    {
                        ThrowCorrupt(where);
                    }

                    source.Slice(sp, length).CopyTo(destination[dp..]);
                    sp += length;
                    dp += length;
                    continue;
                case 1:
                    if (sp >= source.Length)
                    {
                        ThrowCorrupt(where);
                    }

                    length = 4 + ((tag >> 2) & 7);
                    offset = ((tag >> 5) << 8) | source[sp++];
                    break;
                case 2:
                    if (sp + 2 > source.Length)
                    {
                        ThrowCorrupt(where);
                    }

                    length = 1 + (tag >> 2);
                    offset = BinaryPrimitives.ReadUInt16LittleEndian(source[sp..]);
                    sp += 2;
                    break;
                default:
                    if (sp + 4 > source.Length)
                    {
                        ThrowCorrupt(where);
                    }

                    length = 1 + (tag >> 2);
                    offset = BinaryPrimitives.ReadInt32LittleEndian(source[sp..]);
                    sp += 4;
                    break;
            }

            if (offset <= 0 || offset > dp || length > destination.Length - dp)
            {
                ThrowCorrupt(where);
            }

            // Copies may overlap their own output (offset < length), so copy forward byte by byte in that case.
            if (offset >= length)
            {
                destination.Slice(dp - offset, length).CopyTo(destination[dp..]);
            }
            else
            {
                for (var i = 0; i < length; i++)
                {
                    destination[dp + i] = destination[dp - offset + i];
                }
            }

            dp += length;
        }

        if (dp != destination.Length)
        {
            throw new ParquetFormatException($"{where}: Snappy data ends after {dp} of {destination.Length} bytes.");
        }
    }

    private static int CompressBlock(ReadOnlySpan<byte> block, Span<byte> output, int op, ushort[] table)
    {
        var n = block.Length;
        var literalStart = 0;
        if (n >= 15)
        {
            // As the reference implementation does, a small block uses a small table: pages of small row groups are a few
            // KiB, and clearing the full 16K-entry table for each of them cost more than compressing them.
            var bits = Math.Clamp(32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(n - 1)), 8, HashBits);
            var shift = 32 - bits;
            table.AsSpan(0, 1 << bits).Clear();
            var ip = 1;
            var limit = n - 15;
            while (ip <= limit)
            {
                // Skip faster over data that does not compress (the reference implementation's heuristic).
                var skip = 32;
                int candidate;
                uint current;
                do
                {
                    current = Read32(block, ip);
                    var h = Hash(current, shift);
                    candidate = table[h];
                    table[h] = (ushort)ip;
                    if (current == Read32(block, candidate) && candidate < ip)
                    {
                        break;
                    }

                    ip += skip++ >> 5;
                    if (ip > limit)
                    {
                        goto EmitRemainder;
                    }
                }
                while (true);

                op = EmitLiteral(block[literalStart..ip], output, op);

                // Extend the match and emit copies while the next position matches too.
                do
                {
                    var matchLen = 4;
                    while (ip + matchLen < n && block[candidate + matchLen] == block[ip + matchLen])
                    {
                        matchLen++;
                    }

                    op = EmitCopy(ip - candidate, matchLen, output, op);
                    ip += matchLen;
                    literalStart = ip;
                    if (ip > limit)
                    {
                        goto EmitRemainder;
                    }

                    table[Hash(Read32(block, ip - 1), shift)] = (ushort)(ip - 1);
                    current = Read32(block, ip);
                    var h = Hash(current, shift);
                    candidate = table[h];
                    table[h] = (ushort)ip;
                }
                while (current == Read32(block, candidate) && candidate < ip);

                ip++;
            }
        }

    EmitRemainder:
        if (literalStart < n)
        {
            op = EmitLiteral(block[literalStart..], output, op);
        }

        return op;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Read32(ReadOnlySpan<byte> s, int i) => BinaryPrimitives.ReadUInt32LittleEndian(s[i..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(uint v, int shift) => (int)((v * 0x1e35a7bdU) >> shift);

    private static int EmitLiteral(ReadOnlySpan<byte> literal, Span<byte> output, int op)
    {
        if (literal.Length == 0)
        {
            return op;
        }

        var n = literal.Length - 1;
        if (n < 60)
        {
            output[op++] = (byte)(n << 2);
        }
        else if (n < 1 << 8)
        {
            output[op++] = 60 << 2;
            output[op++] = (byte)n;
        }
        else if (n < 1 << 16)
        {
            output[op++] = 61 << 2;
            output[op++] = (byte)n;
            output[op++] = (byte)(n >> 8);
        }
        else
        {
            output[op++] = 62 << 2;
            output[op++] = (byte)n;
            output[op++] = (byte)(n >> 8);
            output[op++] = (byte)(n >> 16);
        }

        literal.CopyTo(output[op..]);
        return op + literal.Length;
    }

    private static int EmitCopy(int offset, int length, Span<byte> output, int op)
    {
        while (length >= 68)
        {
            op = EmitCopyUpTo64(offset, 64, output, op);
            length -= 64;
        }

        if (length > 64)
        {
            op = EmitCopyUpTo64(offset, 60, output, op);
            length -= 60;
        }

        return EmitCopyUpTo64(offset, length, output, op);
    }

    private static int EmitCopyUpTo64(int offset, int length, Span<byte> output, int op)
    {
        if (length < 12 && offset < 2048)
        {
            output[op++] = (byte)(1 | ((length - 4) << 2) | ((offset >> 8) << 5));
            output[op++] = (byte)offset;
        }
        else
        {
            output[op++] = (byte)(2 | ((length - 1) << 2));
            output[op++] = (byte)offset;
            output[op++] = (byte)(offset >> 8);
        }

        return op;
    }

    private static int WriteVarUInt(Span<byte> output, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            output[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        output[i++] = (byte)value;
        return i;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowCorrupt(string where) => throw new ParquetFormatException($"{where}: corrupt Snappy data.");
}
