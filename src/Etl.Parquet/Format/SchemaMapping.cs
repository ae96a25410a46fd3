namespace Etl.Parquet.Format;

/// <summary>Maps fields to schema elements (with both LogicalType and the legacy ConvertedType) and back.</summary>
internal static class SchemaMapping
{
    private const int Required = 0;
    private const int Optional = 1;

    public static SchemaElementMeta ToSchemaElement(ParquetField field)
    {
        var e = new SchemaElementMeta { Name = field.Name, Repetition = field.Nullable ? Optional : Required };
        switch (field.Type)
        {
            case ParquetType.Boolean:
                e.Type = PhysicalType.Boolean;
                break;
            case ParquetType.Int32:
                e.Type = PhysicalType.Int32;
                break;
            case ParquetType.Int64:
                e.Type = PhysicalType.Int64;
                break;
            case ParquetType.Double:
                e.Type = PhysicalType.Double;
                break;
            case ParquetType.String:
                e.Type = PhysicalType.ByteArray;
                e.ConvertedType = ConvertedTypes.Utf8;
                e.Logical = new LogicalTypeMeta { Kind = LogicalKind.String };
                break;
            case ParquetType.Date:
                e.Type = PhysicalType.Int32;
                e.ConvertedType = ConvertedTypes.Date;
                e.Logical = new LogicalTypeMeta { Kind = LogicalKind.Date };
                break;
            case ParquetType.Timestamp:
                e.Type = PhysicalType.Int64;
                // The legacy converted type means "UTC-adjusted"; local timestamps carry only the logical type.
                e.ConvertedType = field.IsAdjustedToUtc ? ConvertedTypes.TimestampMicros : null;
                e.Logical = new LogicalTypeMeta { Kind = LogicalKind.Timestamp, IsAdjustedToUtc = field.IsAdjustedToUtc, Unit = 2 };
                break;
            case ParquetType.Decimal:
                e.Type = DecimalLayout.PhysicalTypeFor(field.Precision);
                if (e.Type == PhysicalType.FixedLenByteArray)
                {
                    e.TypeLength = DecimalLayout.ByteWidth(field.Precision);
                }

                e.ConvertedType = ConvertedTypes.Decimal;
                e.Scale = field.Scale;
                e.Precision = field.Precision;
                e.Logical = new LogicalTypeMeta { Kind = LogicalKind.Decimal, Scale = field.Scale, Precision = field.Precision };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(field), field.Type, "Unknown column type.");
        }

        return e;
    }

    public static ParquetField ToField(SchemaElementMeta e)
    {
        var nullable = e.Repetition != Required;
        if (e.Repetition == 2)
        {
            throw new ParquetFormatException($"Column '{e.Name}' is REPEATED; only flat schemas are supported.");
        }

        var lt = e.Logical;
        switch (e.Type)
        {
            case PhysicalType.Boolean:
                return new ParquetField(e.Name, ParquetType.Boolean, nullable);
            case PhysicalType.Int32:
                if (lt?.Kind == LogicalKind.Date || e.ConvertedType == ConvertedTypes.Date)
                {
                    return new ParquetField(e.Name, ParquetType.Date, nullable);
                }

                if (lt?.Kind == LogicalKind.Decimal || e.ConvertedType == ConvertedTypes.Decimal)
                {
                    return Decimal(e, nullable);
                }

                return new ParquetField(e.Name, ParquetType.Int32, nullable);
            case PhysicalType.Int64:
                if (lt?.Kind == LogicalKind.Timestamp)
                {
                    if (lt.Unit != 2)
                    {
                        throw new ParquetFormatException($"Column '{e.Name}': only TIMESTAMP(MICROS) is supported.");
                    }

                    return ParquetField.Timestamp(e.Name, lt.IsAdjustedToUtc, nullable);
                }

                if (e.ConvertedType == ConvertedTypes.TimestampMicros)
                {
                    return ParquetField.Timestamp(e.Name, true, nullable);
                }

                if (lt?.Kind == LogicalKind.Decimal || e.ConvertedType == ConvertedTypes.Decimal)
                {
                    return Decimal(e, nullable);
                }

                return new ParquetField(e.Name, ParquetType.Int64, nullable);
            case PhysicalType.Double:
                return new ParquetField(e.Name, ParquetType.Double, nullable);
            case PhysicalType.ByteArray:
                return new ParquetField(e.Name, ParquetType.String, nullable);
            case PhysicalType.FixedLenByteArray when lt?.Kind == LogicalKind.Decimal || e.ConvertedType == ConvertedTypes.Decimal:
                var field = Decimal(e, nullable);
                if (e.TypeLength != DecimalLayout.ByteWidth(field.Precision))
                {
                    throw new ParquetFormatException($"Column '{e.Name}': DECIMAL({field.Precision}) stored in {e.TypeLength} bytes is not supported.");
                }

                return field;
            default:
                throw new ParquetFormatException($"Column '{e.Name}': physical type {e.Type} is not supported by this reader.");
        }
    }

    private static ParquetField Decimal(SchemaElementMeta e, bool nullable)
    {
        var precision = e.Logical?.Kind == LogicalKind.Decimal ? e.Logical.Precision : e.Precision ?? 0;
        var scale = e.Logical?.Kind == LogicalKind.Decimal ? e.Logical.Scale : e.Scale ?? 0;
        if (precision is < 1 or > 38 || scale < 0 || scale > precision)
        {
            throw new ParquetFormatException($"Column '{e.Name}': invalid DECIMAL({precision},{scale}).");
        }

        return ParquetField.Decimal(e.Name, precision, scale, nullable);
    }
}
