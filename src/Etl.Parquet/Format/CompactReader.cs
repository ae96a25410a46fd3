using System.Text;

namespace Etl.Parquet.Format;

/// <summary>
/// Reads the Thrift compact protocol from a span with strict bounds: every length is checked against what is left,
/// nesting is limited, and a malformed input throws <see cref="ParquetFormatException"/>.
/// </summary>
internal ref struct CompactReader
{
    private const int MaxDepth = 32;
    private readonly ReadOnlySpan<byte> _data;
    private readonly long _baseOffset;
    private Span<short> _lastIds;
    private int _depth;
    private int _pos;

    public CompactReader(ReadOnlySpan<byte> data, long baseOffset, Span<short> fieldIdStack)
    {
        _data = data;
        _baseOffset = baseOffset;
        _lastIds = fieldIdStack;
        _depth = 0;
        _pos = 0;
        _lastIds[0] = 0;
    }

    public readonly int Position => _pos;

    public void StructBegin()
    {
        if (_depth + 1 >= MaxDepth || _depth + 1 >= _lastIds.Length)
        {
            Throw("metadata nests too deeply");
        }

        _depth++;
        _lastIds[_depth] = 0;
    }

    public void StructEnd() => _depth--;

    /// <summary>Reads a field header; returns false at the struct's stop byte.</summary>
    public bool NextField(out short id, out byte type)
    {
        var b = ReadByte();
        if (b == CompactType.Stop)
        {
            id = 0;
            type = 0;
            return false;
        }

        type = (byte)(b & 0x0F);
        var delta = b >> 4;
        id = delta != 0 ? (short)(_lastIds[_depth] + delta) : (short)ZigZag32(ReadVarUInt());
        _lastIds[_depth] = id;
        return true;
    }

    public static bool BoolFromType(byte type) => type == CompactType.BooleanTrue;

    public int ReadI32() => ZigZag32(ReadVarUInt());

    public long ReadI64() => ZigZag64(ReadVarUInt());

    public sbyte ReadSByte() => (sbyte)ReadByte();

    public ReadOnlySpan<byte> ReadBinary()
    {
        var len = ReadVarUInt();
        if (len > (ulong)(_data.Length - _pos))
        {
            Throw($"a binary field claims {len} bytes but only {_data.Length - _pos} remain");
        }

        var span = _data.Slice(_pos, (int)len);
        _pos += (int)len;
        return span;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBinary());

    public int ReadListHeader(out byte elementType)
    {
        var b = ReadByte();
        elementType = (byte)(b & 0x0F);
        var size = (ulong)(b >> 4);
        if (size == 15)
        {
            size = ReadVarUInt();
        }

        // Every element takes at least one byte, so a count beyond the bytes left is a lie.
        if (size > (ulong)(_data.Length - _pos))
        {
            Throw($"a list claims {size} elements but only {_data.Length - _pos} bytes remain");
        }

        return (int)size;
    }

    public void Skip(byte type)
    {
        switch (type)
        {
            case CompactType.BooleanTrue:
            case CompactType.BooleanFalse:
                break;
            case CompactType.Byte:
                ReadByte();
                break;
            case CompactType.I16:
            case CompactType.I32:
            case CompactType.I64:
                ReadVarUInt();
                break;
            case CompactType.Double:
                Advance(8);
                break;
            case CompactType.Binary:
                ReadBinary();
                break;
            case CompactType.List:
            case CompactType.Set:
                {
                    var n = ReadListHeader(out var et);
                    for (var i = 0; i < n; i++)
                    {
                        SkipElement(et);
                    }

                    break;
                }

            case CompactType.Map:
                {
                    var n = ReadVarUInt();
                    if (n == 0)
                    {
                        break;
                    }

                    if (n > (ulong)(_data.Length - _pos))
                    {
                        Throw("a map claims more entries than bytes remain");
                    }

                    var kv = ReadByte();
                    for (ulong i = 0; i < n; i++)
                    {
                        SkipElement((byte)(kv >> 4));
                        SkipElement((byte)(kv & 0x0F));
                    }

                    break;
                }

            case CompactType.Struct:
                StructBegin();
                while (NextField(out _, out var ft))
                {
                    Skip(ft);
                }

                StructEnd();
                break;
            default:
                Throw($"unknown Thrift type {type}");
                break;
        }
    }

    private void SkipElement(byte type)
    {
        // Inside lists, booleans take a byte each.
        if (type is CompactType.BooleanTrue or CompactType.BooleanFalse)
        {
            ReadByte();
        }
        else
        {
            Skip(type);
        }
    }

    private void Advance(int n)
    {
        if (n > _data.Length - _pos)
        {
            Throw("unexpected end of metadata");
        }

        _pos += n;
    }

    private byte ReadByte()
    {
        if (_pos >= _data.Length)
        {
            Throw("unexpected end of metadata");
        }

        return _data[_pos++];
    }

    private ulong ReadVarUInt()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        Throw("a varint is longer than 10 bytes");
        return 0;
    }

    private static int ZigZag32(ulong v) => (int)((uint)v >> 1) ^ -(int)(v & 1);

    private static long ZigZag64(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private readonly void Throw(string what) =>
        throw new ParquetFormatException($"Corrupt Parquet metadata at byte {_baseOffset + _pos}: {what}.");
}
