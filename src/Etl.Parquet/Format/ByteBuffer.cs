using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Etl.Parquet.Format;

/// <summary>A growable byte buffer reused across pages; grows by doubling, never shrinks until dropped.</summary>
internal sealed class ByteBuffer(int initialCapacity = 256)
{
    private byte[] _data = new byte[Math.Max(16, initialCapacity)];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _data.AsSpan(0, Length);

    public ReadOnlyMemory<byte> WrittenMemory => _data.AsMemory(0, Length);

    public int Capacity => _data.Length;

    public void Clear() => Length = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int size)
    {
        if (Length + size > _data.Length)
        {
            Grow(size);
        }

        return _data.AsSpan(Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count) => Length += count;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        Length += bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value)
    {
        if (Length >= _data.Length)
        {
            Grow(1);
        }

        _data[Length++] = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt32(int value)
    {
        if (Length + 4 > _data.Length)
        {
            Grow(4);
        }

        BinaryPrimitives.WriteInt32LittleEndian(_data.AsSpan(Length), value);
        Length += 4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt64(long value)
    {
        if (Length + 8 > _data.Length)
        {
            Grow(8);
        }

        BinaryPrimitives.WriteInt64LittleEndian(_data.AsSpan(Length), value);
        Length += 8;
    }

    public void WriteVarUInt(uint value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        WriteByte((byte)value);
    }

    /// <summary>Overwrites 4 bytes at <paramref name="position"/> (for length prefixes written after the fact).</summary>
    public void PatchInt32(int position, int value) => BinaryPrimitives.WriteInt32LittleEndian(_data.AsSpan(position), value);

    private void Grow(int size)
    {
        // Uninitialised: every byte below Length is written before it is read, and zeroing large buffers is measurable
        // when thousands of partition writers grow theirs.
        var target = Math.Max(_data.Length * 2, Length + size);
        var bigger = GC.AllocateUninitializedArray<byte>(target);
        _data.AsSpan(0, Length).CopyTo(bigger);
        _data = bigger;
    }
}
