using System.Buffers.Binary;
using System.Text;

namespace Etl.Parquet.Format;

/// <summary>
/// Writes the Thrift compact protocol (the encoding of Parquet's metadata) into a growable buffer.
/// Field ids are delta-encoded against the previous field of the current struct, as the protocol requires.
/// </summary>
internal sealed class CompactWriter
{
    private readonly Stack<short> _lastFieldIds = new();
    private byte[] _buffer = new byte[256];
    private short _lastFieldId;

    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    public void Reset()
    {
        Length = 0;
        _lastFieldId = 0;
        _lastFieldIds.Clear();
    }

    public void StructBegin()
    {
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void StructEnd()
    {
        WriteByte(CompactType.Stop);
        _lastFieldId = _lastFieldIds.Pop();
    }

    public void FieldI32(short id, int value)
    {
        FieldHeader(id, CompactType.I32);
        VarUInt(ZigZag(value));
    }

    public void FieldI64(short id, long value)
    {
        FieldHeader(id, CompactType.I64);
        VarUInt(ZigZag(value));
    }

    public void FieldBool(short id, bool value) => FieldHeader(id, value ? CompactType.BooleanTrue : CompactType.BooleanFalse);

    public void FieldByte(short id, sbyte value)
    {
        FieldHeader(id, CompactType.Byte);
        WriteByte((byte)value);
    }

    public void FieldString(short id, string value)
    {
        FieldHeader(id, CompactType.Binary);
        String(value);
    }

    public void FieldBinary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, CompactType.Binary);
        Binary(value);
    }

    /// <summary>Starts a struct-valued field; follow with the struct's fields and <see cref="StructEnd"/>.</summary>
    public void FieldStructBegin(short id)
    {
        FieldHeader(id, CompactType.Struct);
        StructBegin();
    }

    public void FieldListBegin(short id, byte elementType, int count)
    {
        FieldHeader(id, CompactType.List);
        ListHeader(elementType, count);
    }

    public void ListHeader(byte elementType, int count)
    {
        if (count < 15)
        {
            WriteByte((byte)((count << 4) | elementType));
        }
        else
        {
            WriteByte((byte)(0xF0 | elementType));
            VarUInt((ulong)count);
        }
    }

    public void I32(int value) => VarUInt(ZigZag(value));

    public void String(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        VarUInt((ulong)count);
        Ensure(count);
        Encoding.UTF8.GetBytes(value, _buffer.AsSpan(Length));
        Length += count;
    }

    public void Binary(ReadOnlySpan<byte> value)
    {
        VarUInt((ulong)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(Length));
        Length += value.Length;
    }

    private void FieldHeader(short id, byte type)
    {
        var delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
        {
            WriteByte((byte)((delta << 4) | type));
        }
        else
        {
            WriteByte(type);
            VarUInt(ZigZag(id));
        }

        _lastFieldId = id;
    }

    private void VarUInt(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[Length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[Length++] = (byte)value;
    }

    private void WriteByte(byte b)
    {
        Ensure(1);
        _buffer[Length++] = b;
    }

    private void Ensure(int more)
    {
        if (Length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + more));
        }
    }

    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));

    internal static void WriteInt32LittleEndian(Span<byte> destination, int value) => BinaryPrimitives.WriteInt32LittleEndian(destination, value);
}

/// <summary>Thrift compact protocol type codes.</summary>
internal static class CompactType
{
    public const byte Stop = 0;
    public const byte BooleanTrue = 1;
    public const byte BooleanFalse = 2;
    public const byte Byte = 3;
    public const byte I16 = 4;
    public const byte I32 = 5;
    public const byte I64 = 6;
    public const byte Double = 7;
    public const byte Binary = 8;
    public const byte List = 9;
    public const byte Set = 10;
    public const byte Map = 11;
    public const byte Struct = 12;
}
