using System.Buffers.Binary;

namespace Etl.Parquet.Format;

/// <summary>Decodes one column chunk's pages into a <see cref="ColumnBuffer"/>, checking every length against the chunk.</summary>
internal static class ChunkReader
{
    // A page may not claim to inflate past this, whatever its header says.
    private const int MaxPageSize = 512 * 1024 * 1024;

    public static void Decode(ReadOnlySpan<byte> chunk, long chunkOffset, ColumnChunkMeta meta, ParquetField field, long rows, ColumnBuffer target)
    {
        var where = $"column '{field.Name}' at byte {chunkOffset}";
        byte[]? dictionary = null;
        int[]? dictStarts = null;
        int[]? dictLengths = null;
        var dictCount = 0;
        ColumnBuffer? typedDictionary = null;
        long valuesRead = 0;
        var pos = 0;
        var levels = Array.Empty<int>();
        while (valuesRead < rows)
        {
            if (pos >= chunk.Length)
            {
                throw new ParquetFormatException($"{where}: chunk ends after {valuesRead} of {rows} values.");
            }

            var headerLength = MetadataReader.ReadPageHeader(chunk[pos..], chunkOffset + pos, out var header);
            pos += headerLength;
            if (header.CompressedSize < 0 || header.CompressedSize > chunk.Length - pos)
            {
                throw new ParquetFormatException($"{where}: a page claims {header.CompressedSize} bytes but the chunk has {chunk.Length - pos} left.");
            }

            if (header.UncompressedSize < 0 || header.UncompressedSize > MaxPageSize
                || (meta.Codec != 0 && header.UncompressedSize > ((long)header.CompressedSize * 1100) + 1024))
            {
                throw new ParquetFormatException($"{where}: implausible uncompressed page size {header.UncompressedSize}.");
            }

            var compressed = chunk.Slice(pos, header.CompressedSize);
            pos += header.CompressedSize;
            var page = new byte[header.UncompressedSize];
            Codec.Decompress(meta.Codec, compressed, page, where);

            if (header.Type == PageTypes.DictionaryPage && field.Type != ParquetType.String)
            {
                if (header.NumValues < 0 || header.NumValues > page.Length)
                {
                    throw new ParquetFormatException($"{where}: dictionary claims {header.NumValues} values in {page.Length} bytes.");
                }

                typedDictionary = ColumnBuffer.Create(field with { Nullable = false }, Math.Max(1, header.NumValues));
                DecodePlain(page, header.NumValues, header.NumValues, null, meta, field, typedDictionary, where);
                dictCount = header.NumValues;
                continue;
            }

            if (header.Type == PageTypes.DictionaryPage)
            {
                dictionary = page;
                dictCount = header.NumValues;
                if (dictCount < 0 || dictCount > page.Length / 4)
                {
                    throw new ParquetFormatException($"{where}: dictionary claims {dictCount} values in {page.Length} bytes.");
                }

                dictStarts = new int[dictCount];
                dictLengths = new int[dictCount];
                var p = 0;
                for (var i = 0; i < dictCount; i++)
                {
                    var len = ReadLength(page, p, where);
                    dictStarts[i] = p + 4;
                    dictLengths[i] = len;
                    p += 4 + len;
                }

                continue;
            }

            if (header.Type != PageTypes.DataPage || !header.HasDataHeader)
            {
                throw new ParquetFormatException($"{where}: page type {header.Type} is not supported (data page v1 and dictionary pages are).");
            }

            var n = header.NumValues;
            if (n <= 0 || n > rows - valuesRead)
            {
                throw new ParquetFormatException($"{where}: a page claims {n} values; {rows - valuesRead} remain in the row group.");
            }

            var body = page.AsSpan();
            var nonNull = n;
            if (field.Nullable)
            {
                var levelBytes = ReadLength(page, 0, where);
                if (levels.Length < n)
                {
                    levels = new int[n];
                }

                RleDecoder.Decode(body.Slice(4, levelBytes), 1, levels.AsSpan(0, n), where);
                nonNull = 0;
                for (var i = 0; i < n; i++)
                {
                    nonNull += levels[i];
                }

                body = body[(4 + levelBytes)..];
            }

            if (header.Encoding is Encodings.RleDictionary or Encodings.PlainDictionary && typedDictionary is not null)
            {
                if (body.IsEmpty)
                {
                    throw new ParquetFormatException($"{where}: dictionary page data is empty.");
                }

                var indices = new int[nonNull];
                RleDecoder.Decode(body[1..], body[0], indices, where);
                var k = 0;
                for (var i = 0; i < n; i++)
                {
                    if (field.Nullable && levels[i] == 0)
                    {
                        target.AppendNull();
                        continue;
                    }

                    var idx = indices[k++];
                    if ((uint)idx >= (uint)dictCount)
                    {
                        throw new ParquetFormatException($"{where}: dictionary index {idx} out of range (dictionary has {dictCount} values).");
                    }

                    CopyValue(typedDictionary, idx, target);
                }
            }
            else if (header.Encoding is Encodings.RleDictionary or Encodings.PlainDictionary)
            {
                if (dictionary is null)
                {
                    throw new ParquetFormatException($"{where}: dictionary-encoded page without a dictionary page.");
                }

                if (body.IsEmpty)
                {
                    throw new ParquetFormatException($"{where}: dictionary page data is empty.");
                }

                var indices = new int[nonNull];
                RleDecoder.Decode(body[1..], body[0], indices, where);
                var strings = (StringColumn)target;
                var k = 0;
                for (var i = 0; i < n; i++)
                {
                    if (field.Nullable && levels[i] == 0)
                    {
                        strings.AppendNull();
                        continue;
                    }

                    var idx = indices[k++];
                    if ((uint)idx >= (uint)dictCount)
                    {
                        throw new ParquetFormatException($"{where}: dictionary index {idx} out of range (dictionary has {dictCount} values).");
                    }

                    strings.Append(dictionary.AsSpan(dictStarts![idx], dictLengths![idx]));
                }
            }
            else if (header.Encoding == Encodings.Plain)
            {
                DecodePlain(body, n, nonNull, field.Nullable ? levels : null, meta, field, target, where);
            }
            else
            {
                throw new ParquetFormatException($"{where}: encoding {header.Encoding} is not supported (PLAIN and RLE_DICTIONARY are).");
            }

            valuesRead += n;
        }
    }

    private static void DecodePlain(ReadOnlySpan<byte> body, int n, int nonNull, int[]? levels, ColumnChunkMeta meta, ParquetField field, ColumnBuffer target, string where)
    {
        var width = meta.Type switch
        {
            PhysicalType.Int32 => 4,
            PhysicalType.Int64 or PhysicalType.Double => 8,
            PhysicalType.FixedLenByteArray => DecimalLayout.ByteWidth(field.Precision),
            _ => 0,
        };
        if (width > 0 && (long)nonNull * width > body.Length)
        {
            throw new ParquetFormatException($"{where}: page holds {body.Length} bytes of values; {nonNull} values need {(long)nonNull * width}.");
        }

        if (meta.Type == PhysicalType.Boolean && (nonNull + 7) / 8 > body.Length)
        {
            throw new ParquetFormatException($"{where}: boolean page is too short.");
        }

        var p = 0;
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            if (levels is not null && levels[i] == 0)
            {
                target.AppendNull();
                continue;
            }

            switch (target)
            {
                case BooleanColumn b:
                    b.Append(((body[k >> 3] >> (k & 7)) & 1) == 1);
                    break;
                case Int32Column i32:
                    i32.Append(BinaryPrimitives.ReadInt32LittleEndian(body[p..]));
                    p += 4;
                    break;
                case Int64Column i64:
                    i64.Append(BinaryPrimitives.ReadInt64LittleEndian(body[p..]));
                    p += 8;
                    break;
                case DoubleColumn d:
                    d.Append(BinaryPrimitives.ReadDoubleLittleEndian(body[p..]));
                    p += 8;
                    break;
                case DecimalColumn dec:
                    if (meta.Type == PhysicalType.Int32)
                    {
                        dec.Append((Int128)BinaryPrimitives.ReadInt32LittleEndian(body[p..]));
                    }
                    else if (meta.Type == PhysicalType.Int64)
                    {
                        dec.Append((Int128)BinaryPrimitives.ReadInt64LittleEndian(body[p..]));
                    }
                    else
                    {
                        dec.Append(DecimalLayout.ReadBigEndian(body.Slice(p, width)));
                    }

                    p += width;
                    break;
                case StringColumn s:
                    {
                        if (p + 4 > body.Length)
                        {
                            throw new ParquetFormatException($"{where}: string length past the end of the page.");
                        }

                        var len = BinaryPrimitives.ReadInt32LittleEndian(body[p..]);
                        if (len < 0 || len > body.Length - p - 4)
                        {
                            throw new ParquetFormatException($"{where}: string of {len} bytes past the end of the page.");
                        }

                        s.Append(body.Slice(p + 4, len));
                        p += 4 + len;
                        break;
                    }
            }

            k++;
        }
    }

    private static void CopyValue(ColumnBuffer from, int index, ColumnBuffer to)
    {
        switch (to)
        {
            case Int32Column i32:
                i32.Append(((Int32Column)from)[index]);
                break;
            case Int64Column i64:
                i64.Append(((Int64Column)from)[index]);
                break;
            case DecimalColumn dec:
                dec.Append(((DecimalColumn)from)[index]);
                break;
            case DoubleColumn d:
                d.Append(((DoubleColumn)from)[index]);
                break;
            case BooleanColumn b:
                b.Append(((BooleanColumn)from)[index]);
                break;
            default:
                throw new ParquetFormatException($"column '{to.Field.Name}': dictionary encoding is not supported for this type.");
        }
    }

    private static int ReadLength(byte[] page, int pos, string where)
    {
        if (pos + 4 > page.Length)
        {
            throw new ParquetFormatException($"{where}: length prefix past the end of the page.");
        }

        var len = BinaryPrimitives.ReadInt32LittleEndian(page.AsSpan(pos));
        if (len < 0 || len > page.Length - pos - 4)
        {
            throw new ParquetFormatException($"{where}: length {len} runs past the end of the page.");
        }

        return len;
    }
}
