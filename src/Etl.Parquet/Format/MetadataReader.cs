namespace Etl.Parquet.Format;

/// <summary>Parses the metadata model from Thrift compact bytes; unknown fields are skipped.</summary>
internal static class MetadataReader
{
    public static FileMeta ReadFileMetaData(ReadOnlySpan<byte> data, long baseOffset)
    {
        Span<short> ids = stackalloc short[40];
        var r = new CompactReader(data, baseOffset, ids);
        var meta = new FileMeta();
        r.StructBegin();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32:
                    meta.Version = r.ReadI32();
                    break;
                case 2 when type == CompactType.List:
                    {
                        var n = r.ReadListHeader(out _);
                        for (var i = 0; i < n; i++)
                        {
                            meta.Schema.Add(ReadSchemaElement(ref r));
                        }

                        break;
                    }

                case 3 when type == CompactType.I64:
                    meta.NumRows = r.ReadI64();
                    break;
                case 4 when type == CompactType.List:
                    {
                        var n = r.ReadListHeader(out _);
                        for (var i = 0; i < n; i++)
                        {
                            meta.RowGroups.Add(ReadRowGroup(ref r));
                        }

                        break;
                    }

                case 5 when type == CompactType.List:
                    {
                        var n = r.ReadListHeader(out _);
                        for (var i = 0; i < n; i++)
                        {
                            string? key = null;
                            string? value = null;
                            r.StructBegin();
                            while (r.NextField(out var kid, out var kt))
                            {
                                if (kid == 1 && kt == CompactType.Binary)
                                {
                                    key = r.ReadString();
                                }
                                else if (kid == 2 && kt == CompactType.Binary)
                                {
                                    value = r.ReadString();
                                }
                                else
                                {
                                    r.Skip(kt);
                                }
                            }

                            r.StructEnd();
                            meta.KeyValues.Add(new(key ?? "", value));
                        }

                        break;
                    }

                case 6 when type == CompactType.Binary:
                    meta.CreatedBy = r.ReadString();
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return meta;
    }

    /// <summary>Reads a page header; returns the number of bytes it took.</summary>
    public static int ReadPageHeader(ReadOnlySpan<byte> data, long baseOffset, out PageHeaderMeta header)
    {
        Span<short> ids = stackalloc short[40];
        var r = new CompactReader(data, baseOffset, ids);
        header = default;
        r.StructBegin();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32:
                    header.Type = r.ReadI32();
                    break;
                case 2 when type == CompactType.I32:
                    header.UncompressedSize = r.ReadI32();
                    break;
                case 3 when type == CompactType.I32:
                    header.CompressedSize = r.ReadI32();
                    break;
                case 5 when type == CompactType.Struct:
                    header.HasDataHeader = true;
                    r.StructBegin();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1 && ft == CompactType.I32)
                        {
                            header.NumValues = r.ReadI32();
                        }
                        else if (fid == 2 && ft == CompactType.I32)
                        {
                            header.Encoding = r.ReadI32();
                        }
                        else if (fid == 3 && ft == CompactType.I32)
                        {
                            header.DefinitionLevelEncoding = r.ReadI32();
                        }
                        else
                        {
                            r.Skip(ft);
                        }
                    }

                    r.StructEnd();
                    break;
                case 7 when type == CompactType.Struct:
                    header.HasDictionaryHeader = true;
                    r.StructBegin();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1 && ft == CompactType.I32)
                        {
                            header.NumValues = r.ReadI32();
                        }
                        else if (fid == 2 && ft == CompactType.I32)
                        {
                            header.Encoding = r.ReadI32();
                        }
                        else
                        {
                            r.Skip(ft);
                        }
                    }

                    r.StructEnd();
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return r.Position;
    }

    private static SchemaElementMeta ReadSchemaElement(ref CompactReader r)
    {
        var e = new SchemaElementMeta();
        r.StructBegin();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32:
                    e.Type = (PhysicalType)r.ReadI32();
                    break;
                case 2 when type == CompactType.I32:
                    e.TypeLength = r.ReadI32();
                    break;
                case 3 when type == CompactType.I32:
                    e.Repetition = r.ReadI32();
                    break;
                case 4 when type == CompactType.Binary:
                    e.Name = r.ReadString();
                    break;
                case 5 when type == CompactType.I32:
                    e.NumChildren = r.ReadI32();
                    break;
                case 6 when type == CompactType.I32:
                    e.ConvertedType = r.ReadI32();
                    break;
                case 7 when type == CompactType.I32:
                    e.Scale = r.ReadI32();
                    break;
                case 8 when type == CompactType.I32:
                    e.Precision = r.ReadI32();
                    break;
                case 10 when type == CompactType.Struct:
                    e.Logical = ReadLogicalType(ref r);
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return e;
    }

    private static LogicalTypeMeta ReadLogicalType(ref CompactReader r)
    {
        var lt = new LogicalTypeMeta();
        r.StructBegin();
        while (r.NextField(out var id, out var type))
        {
            if (type != CompactType.Struct)
            {
                r.Skip(type);
                continue;
            }

            switch (id)
            {
                case 1:
                    lt.Kind = LogicalKind.String;
                    r.Skip(type);
                    break;
                case 5:
                    lt.Kind = LogicalKind.Decimal;
                    r.StructBegin();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1 && ft == CompactType.I32)
                        {
                            lt.Scale = r.ReadI32();
                        }
                        else if (fid == 2 && ft == CompactType.I32)
                        {
                            lt.Precision = r.ReadI32();
                        }
                        else
                        {
                            r.Skip(ft);
                        }
                    }

                    r.StructEnd();
                    break;
                case 6:
                    lt.Kind = LogicalKind.Date;
                    r.Skip(type);
                    break;
                case 8:
                    lt.Kind = LogicalKind.Timestamp;
                    r.StructBegin();
                    while (r.NextField(out var fid, out var ft))
                    {
                        if (fid == 1)
                        {
                            lt.IsAdjustedToUtc = CompactReader.BoolFromType(ft);
                        }
                        else if (fid == 2 && ft == CompactType.Struct)
                        {
                            r.StructBegin();
                            while (r.NextField(out var uid, out var ut))
                            {
                                lt.Unit = uid;
                                r.Skip(ut);
                            }

                            r.StructEnd();
                        }
                        else
                        {
                            r.Skip(ft);
                        }
                    }

                    r.StructEnd();
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return lt;
    }

    private static RowGroupMeta ReadRowGroup(ref CompactReader r)
    {
        var rg = new RowGroupMeta();
        r.StructBegin();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.List:
                    {
                        var n = r.ReadListHeader(out _);
                        for (var i = 0; i < n; i++)
                        {
                            rg.Columns.Add(ReadColumnChunk(ref r));
                        }

                        break;
                    }

                case 2 when type == CompactType.I64:
                    rg.TotalByteSize = r.ReadI64();
                    break;
                case 3 when type == CompactType.I64:
                    rg.NumRows = r.ReadI64();
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return rg;
    }

    private static ColumnChunkMeta ReadColumnChunk(ref CompactReader r)
    {
        var c = new ColumnChunkMeta();
        r.StructBegin();
        while (r.NextField(out var id, out var type))
        {
            if (id != 3 || type != CompactType.Struct)
            {
                r.Skip(type);
                continue;
            }

            r.StructBegin();
            while (r.NextField(out var fid, out var ft))
            {
                switch (fid)
                {
                    case 1 when ft == CompactType.I32:
                        c.Type = (PhysicalType)r.ReadI32();
                        break;
                    case 2 when ft == CompactType.List:
                        {
                            var n = r.ReadListHeader(out _);
                            for (var i = 0; i < n; i++)
                            {
                                c.Encodings.Add(r.ReadI32());
                            }

                            break;
                        }

                    case 3 when ft == CompactType.List:
                        {
                            var n = r.ReadListHeader(out _);
                            for (var i = 0; i < n; i++)
                            {
                                c.Path.Add(r.ReadString());
                            }

                            break;
                        }

                    case 4 when ft == CompactType.I32:
                        c.Codec = r.ReadI32();
                        break;
                    case 5 when ft == CompactType.I64:
                        c.NumValues = r.ReadI64();
                        break;
                    case 6 when ft == CompactType.I64:
                        c.TotalUncompressedSize = r.ReadI64();
                        break;
                    case 7 when ft == CompactType.I64:
                        c.TotalCompressedSize = r.ReadI64();
                        break;
                    case 9 when ft == CompactType.I64:
                        c.DataPageOffset = r.ReadI64();
                        break;
                    case 11 when ft == CompactType.I64:
                        c.DictionaryPageOffset = r.ReadI64();
                        break;
                    case 12 when ft == CompactType.Struct:
                        c.Statistics = ReadStatistics(ref r);
                        break;
                    default:
                        r.Skip(ft);
                        break;
                }
            }

            r.StructEnd();
        }

        r.StructEnd();
        return c;
    }

    private static StatisticsMeta ReadStatistics(ref CompactReader r)
    {
        var s = new StatisticsMeta();
        r.StructBegin();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 3 when type == CompactType.I64:
                    s.NullCount = r.ReadI64();
                    break;
                case 5 when type == CompactType.Binary:
                    s.Max = r.ReadBinary().ToArray();
                    break;
                case 6 when type == CompactType.Binary:
                    s.Min = r.ReadBinary().ToArray();
                    break;
                case 7 when type is CompactType.BooleanTrue or CompactType.BooleanFalse:
                    s.IsMaxExact = type == CompactType.BooleanTrue;
                    break;
                case 8 when type is CompactType.BooleanTrue or CompactType.BooleanFalse:
                    s.IsMinExact = type == CompactType.BooleanTrue;
                    break;
                default:
                    r.Skip(type);
                    break;
            }
        }

        r.StructEnd();
        return s;
    }
}
