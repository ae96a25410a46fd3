namespace Etl.Parquet;

/// <summary>The logical column types the library writes and reads.</summary>
public enum ParquetType
{
    /// <summary>BOOLEAN. Buffer: <see cref="BooleanColumn"/>.</summary>
    Boolean,

    /// <summary>INT32. Buffer: <see cref="Int32Column"/>.</summary>
    Int32,

    /// <summary>INT64. Buffer: <see cref="Int64Column"/>.</summary>
    Int64,

    /// <summary>DOUBLE. Buffer: <see cref="DoubleColumn"/>.</summary>
    Double,

    /// <summary>UTF-8 string (BYTE_ARRAY, STRING logical type). Buffer: <see cref="StringColumn"/>.</summary>
    String,

    /// <summary>DATE: days since 1970-01-01 in an INT32. Buffer: <see cref="Int32Column"/>.</summary>
    Date,

    /// <summary>TIMESTAMP(MICROS): microseconds since 1970-01-01 in an INT64. Buffer: <see cref="Int64Column"/>.</summary>
    Timestamp,

    /// <summary>DECIMAL(precision, scale): exact unscaled value. Buffer: <see cref="DecimalColumn"/>.</summary>
    Decimal,
}
