namespace Etl.Parquet.Format;

/// <summary>Serialises the metadata model with the Thrift compact protocol.</summary>
internal static class MetadataWriter
{
    public static void WriteFileMetaData(CompactWriter w, FileMeta meta)
    {
        w.StructBegin();
        w.FieldI32(1, meta.Version);
        w.FieldListBegin(2, CompactType.Struct, meta.Schema.Count);
        foreach (var e in meta.Schema)
        {
            WriteSchemaElement(w, e);
        }

        w.FieldI64(3, meta.NumRows);
        w.FieldListBegin(4, CompactType.Struct, meta.RowGroups.Count);
        foreach (var rg in meta.RowGroups)
        {
            WriteRowGroup(w, rg);
        }

        if (meta.KeyValues.Count > 0)
        {
            w.FieldListBegin(5, CompactType.Struct, meta.KeyValues.Count);
            foreach (var kv in meta.KeyValues)
            {
                w.StructBegin();
                w.FieldString(1, kv.Key);
                if (kv.Value is not null)
                {
                    w.FieldString(2, kv.Value);
                }

                w.StructEnd();
            }
        }

        if (meta.CreatedBy is not null)
        {
            w.FieldString(6, meta.CreatedBy);
        }

        // column_orders: TYPE_ORDER for every leaf, so readers trust min_value/max_value.
        var leaves = meta.Schema.Count - 1;
        w.FieldListBegin(7, CompactType.Struct, leaves);
        for (var i = 0; i < leaves; i++)
        {
            w.StructBegin();
            w.FieldStructBegin(1);
            w.StructEnd();
            w.StructEnd();
        }

        w.StructEnd();
    }

    public static void WritePageHeader(CompactWriter w, in PageHeaderMeta h, StatisticsMeta? stats = null)
    {
        w.StructBegin();
        w.FieldI32(1, h.Type);
        w.FieldI32(2, h.UncompressedSize);
        w.FieldI32(3, h.CompressedSize);
        if (h.Type == PageTypes.DataPage)
        {
            w.FieldStructBegin(5);
            w.FieldI32(1, h.NumValues);
            w.FieldI32(2, h.Encoding);
            w.FieldI32(3, Encodings.Rle);
            w.FieldI32(4, Encodings.Rle);
            if (stats is not null)
            {
                WriteStatistics(w, 5, stats);
            }

            w.StructEnd();
        }
        else if (h.Type == PageTypes.DictionaryPage)
        {
            w.FieldStructBegin(7);
            w.FieldI32(1, h.NumValues);
            w.FieldI32(2, Encodings.Plain);
            w.StructEnd();
        }

        w.StructEnd();
    }

    private static void WriteSchemaElement(CompactWriter w, SchemaElementMeta e)
    {
        w.StructBegin();
        if (e.Type is { } t)
        {
            w.FieldI32(1, (int)t);
        }

        if (e.TypeLength is { } len)
        {
            w.FieldI32(2, len);
        }

        if (e.Repetition is { } rep)
        {
            w.FieldI32(3, rep);
        }

        w.FieldString(4, e.Name);
        if (e.NumChildren is { } n)
        {
            w.FieldI32(5, n);
        }

        if (e.ConvertedType is { } ct)
        {
            w.FieldI32(6, ct);
        }

        if (e.Scale is { } scale)
        {
            w.FieldI32(7, scale);
        }

        if (e.Precision is { } precision)
        {
            w.FieldI32(8, precision);
        }

        if (e.Logical is { Kind: not LogicalKind.None } lt)
        {
            w.FieldStructBegin(10);
            switch (lt.Kind)
            {
                case LogicalKind.String:
                    w.FieldStructBegin(1);
                    w.StructEnd();
                    break;
                case LogicalKind.Decimal:
                    w.FieldStructBegin(5);
                    w.FieldI32(1, lt.Scale);
                    w.FieldI32(2, lt.Precision);
                    w.StructEnd();
                    break;
                case LogicalKind.Date:
                    w.FieldStructBegin(6);
                    w.StructEnd();
                    break;
                case LogicalKind.Timestamp:
                    w.FieldStructBegin(8);
                    w.FieldBool(1, lt.IsAdjustedToUtc);
                    w.FieldStructBegin(2);
                    w.FieldStructBegin((short)lt.Unit);
                    w.StructEnd();
                    w.StructEnd();
                    w.StructEnd();
                    break;
            }

            w.StructEnd();
        }

        w.StructEnd();
    }

    private static void WriteRowGroup(CompactWriter w, RowGroupMeta rg)
    {
        w.StructBegin();
        w.FieldListBegin(1, CompactType.Struct, rg.Columns.Count);
        foreach (var c in rg.Columns)
        {
            w.StructBegin();
            w.FieldI64(2, c.DictionaryPageOffset ?? c.DataPageOffset);
            w.FieldStructBegin(3);
            w.FieldI32(1, (int)c.Type);
            w.FieldListBegin(2, CompactType.I32, c.Encodings.Count);
            foreach (var enc in c.Encodings)
            {
                w.I32(enc);
            }

            w.FieldListBegin(3, CompactType.Binary, c.Path.Count);
            foreach (var p in c.Path)
            {
                w.String(p);
            }

            w.FieldI32(4, c.Codec);
            w.FieldI64(5, c.NumValues);
            w.FieldI64(6, c.TotalUncompressedSize);
            w.FieldI64(7, c.TotalCompressedSize);
            w.FieldI64(9, c.DataPageOffset);
            if (c.DictionaryPageOffset is { } dpo)
            {
                w.FieldI64(11, dpo);
            }

            if (c.Statistics is not null)
            {
                WriteStatistics(w, 12, c.Statistics);
            }

            w.StructEnd();
            w.StructEnd();
        }

        w.FieldI64(2, rg.TotalByteSize);
        w.FieldI64(3, rg.NumRows);
        if (rg.FileOffset is { } fo)
        {
            w.FieldI64(5, fo);
        }

        if (rg.TotalCompressedSize is { } tcs)
        {
            w.FieldI64(6, tcs);
        }

        w.StructEnd();
    }

    private static void WriteStatistics(CompactWriter w, short fieldId, StatisticsMeta s)
    {
        w.FieldStructBegin(fieldId);
        if (s.NullCount is { } nc)
        {
            w.FieldI64(3, nc);
        }

        if (s.Max is not null)
        {
            w.FieldBinary(5, s.Max);
        }

        if (s.Min is not null)
        {
            w.FieldBinary(6, s.Min);
        }

        if (s.IsMaxExact is { } maxExact)
        {
            w.FieldBool(7, maxExact);
        }

        if (s.IsMinExact is { } minExact)
        {
            w.FieldBool(8, minExact);
        }

        w.StructEnd();
    }
}
