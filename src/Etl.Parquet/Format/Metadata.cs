namespace Etl.Parquet.Format;

// The subset of parquet.thrift this library writes and reads. Field ids follow the specification.

internal enum PhysicalType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Int96 = 3,
    Float = 4,
    Double = 5,
    ByteArray = 6,
    FixedLenByteArray = 7,
}

internal static class Encodings
{
    public const int Plain = 0;
    public const int PlainDictionary = 2;
    public const int Rle = 3;
    public const int BitPacked = 4;
    public const int RleDictionary = 8;
}

internal static class PageTypes
{
    public const int DataPage = 0;
    public const int DictionaryPage = 2;
    public const int DataPageV2 = 3;
}

internal static class ConvertedTypes
{
    public const int Utf8 = 0;
    public const int Decimal = 5;
    public const int Date = 6;
    public const int TimestampMicros = 10;
}

internal enum LogicalKind
{
    None,
    String,
    Decimal,
    Date,
    Timestamp,
}

internal sealed class LogicalTypeMeta
{
    public LogicalKind Kind { get; set; }

    public int Scale { get; set; }

    public int Precision { get; set; }

    public bool IsAdjustedToUtc { get; set; }

    /// <summary>1 millis, 2 micros, 3 nanos (the TimeUnit union's field id).</summary>
    public int Unit { get; set; }
}

internal sealed class SchemaElementMeta
{
    public PhysicalType? Type { get; set; }

    public int? TypeLength { get; set; }

    public int? Repetition { get; set; }

    public string Name { get; set; } = "";

    public int? NumChildren { get; set; }

    public int? ConvertedType { get; set; }

    public int? Scale { get; set; }

    public int? Precision { get; set; }

    public LogicalTypeMeta? Logical { get; set; }
}

internal sealed class StatisticsMeta
{
    public byte[]? Min { get; set; }

    public byte[]? Max { get; set; }

    /// <summary>False when <see cref="Min"/> is a truncated lower bound rather than the value (null: not recorded).</summary>
    public bool? IsMinExact { get; set; }

    /// <summary>False when <see cref="Max"/> is a truncated upper bound rather than the value (null: not recorded).</summary>
    public bool? IsMaxExact { get; set; }

    public long? NullCount { get; set; }
}

internal sealed class ColumnChunkMeta
{
    public PhysicalType Type { get; set; }

    public List<int> Encodings { get; } = [];

    public List<string> Path { get; } = [];

    public int Codec { get; set; }

    public long NumValues { get; set; }

    public long TotalUncompressedSize { get; set; }

    public long TotalCompressedSize { get; set; }

    public long DataPageOffset { get; set; }

    public long? DictionaryPageOffset { get; set; }

    public StatisticsMeta? Statistics { get; set; }
}

internal sealed class RowGroupMeta
{
    public List<ColumnChunkMeta> Columns { get; } = [];

    public long TotalByteSize { get; set; }

    public long NumRows { get; set; }

    public long? FileOffset { get; set; }

    public long? TotalCompressedSize { get; set; }
}

internal sealed class FileMeta
{
    public int Version { get; set; } = 1;

    public List<SchemaElementMeta> Schema { get; } = [];

    public long NumRows { get; set; }

    public List<RowGroupMeta> RowGroups { get; } = [];

    public List<KeyValuePair<string, string?>> KeyValues { get; } = [];

    public string? CreatedBy { get; set; }
}

internal struct PageHeaderMeta
{
    public int Type;
    public int UncompressedSize;
    public int CompressedSize;
    public int NumValues;
    public int Encoding;
    public int DefinitionLevelEncoding;
    public bool HasDataHeader;
    public bool HasDictionaryHeader;
}
