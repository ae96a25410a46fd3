using System.Globalization;
using Etl.Parquet;

namespace Etl.Core.Enrichment.Expressions;

/// <summary>The kinds of value an expression can have.</summary>
public enum ExprKind
{
    /// <summary>The literal <c>null</c> before it meets a typed operand.</summary>
    Null,

    /// <summary>true / false.</summary>
    Boolean,

    /// <summary>32-bit integer.</summary>
    Int32,

    /// <summary>64-bit integer.</summary>
    Int64,

    /// <summary>IEEE double.</summary>
    Double,

    /// <summary>Exact decimal(precision, scale).</summary>
    Decimal,

    /// <summary>UTF-8 text.</summary>
    String,

    /// <summary>Calendar date.</summary>
    Date,

    /// <summary>Timestamp in microseconds.</summary>
    Timestamp,
}

/// <summary>The type of an expression: a kind, and for decimals a precision and scale.</summary>
public readonly record struct ExprType(ExprKind Kind, int Precision = 0, int Scale = 0)
{
    /// <summary>Null type.</summary>
    public static readonly ExprType Null = new(ExprKind.Null);

    /// <summary>Boolean type.</summary>
    public static readonly ExprType Boolean = new(ExprKind.Boolean);

    /// <summary>Int32 type.</summary>
    public static readonly ExprType Int32 = new(ExprKind.Int32);

    /// <summary>Int64 type.</summary>
    public static readonly ExprType Int64 = new(ExprKind.Int64);

    /// <summary>Double type.</summary>
    public static readonly ExprType Double = new(ExprKind.Double);

    /// <summary>String type.</summary>
    public static readonly ExprType String = new(ExprKind.String);

    /// <summary>Date type.</summary>
    public static readonly ExprType Date = new(ExprKind.Date);

    /// <summary>Timestamp type.</summary>
    public static readonly ExprType Timestamp = new(ExprKind.Timestamp);

    /// <summary>A decimal type.</summary>
    public static ExprType Decimal(int precision, int scale) => new(ExprKind.Decimal, precision, scale);

    /// <summary>Whether the kind is an integer, decimal or double.</summary>
    public bool IsNumeric => Kind is ExprKind.Int32 or ExprKind.Int64 or ExprKind.Decimal or ExprKind.Double;

    /// <summary>Whether the kind is an integer.</summary>
    public bool IsInteger => Kind is ExprKind.Int32 or ExprKind.Int64;

    /// <summary>The type of a Parquet column.</summary>
    public static ExprType FromField(ParquetField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.Type switch
        {
            ParquetType.Boolean => Boolean,
            ParquetType.Int32 => Int32,
            ParquetType.Int64 => Int64,
            ParquetType.Double => Double,
            ParquetType.String => String,
            ParquetType.Date => Date,
            ParquetType.Timestamp => Timestamp,
            ParquetType.Decimal => Decimal(field.Precision, field.Scale),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field.Type, "Unknown column type."),
        };
    }

    /// <summary>A nullable Parquet field of this type.</summary>
    public ParquetField ToField(string name) => Kind switch
    {
        ExprKind.Boolean => new ParquetField(name, ParquetType.Boolean),
        ExprKind.Int32 => new ParquetField(name, ParquetType.Int32),
        ExprKind.Int64 => new ParquetField(name, ParquetType.Int64),
        ExprKind.Double => new ParquetField(name, ParquetType.Double),
        ExprKind.String => new ParquetField(name, ParquetType.String),
        ExprKind.Date => new ParquetField(name, ParquetType.Date),
        ExprKind.Timestamp => ParquetField.Timestamp(name),
        ExprKind.Decimal => ParquetField.Decimal(name, Precision, Scale),
        // A column of nulls only: stored as a nullable string.
        _ => new ParquetField(name, ParquetType.String),
    };

    /// <summary>
    /// Parses a type name as written in the definition: <c>int32|int</c>, <c>int64|long|bigint</c>, <c>double</c>,
    /// <c>decimal(p,s)</c>, <c>string</c>, <c>date</c>, <c>timestamp</c>, <c>bool|boolean</c>.
    /// </summary>
    public static bool TryParse(string text, out ExprType type)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        type = t switch
        {
            "int" or "int32" or "integer" => Int32,
            "long" or "int64" or "bigint" => Int64,
            "double" or "float64" => Double,
            "string" or "text" => String,
            "date" => Date,
            "timestamp" => Timestamp,
            "bool" or "boolean" => Boolean,
            _ => Null,
        };
        if (type.Kind != ExprKind.Null)
        {
            return true;
        }

        if (t.StartsWith("decimal(", StringComparison.Ordinal) && t.EndsWith(')'))
        {
            var parts = t["decimal(".Length..^1].Split(',');
            if (parts.Length == 2
                && int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var p)
                && int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var s)
                && p is >= 1 and <= 38 && s >= 0 && s <= p)
            {
                type = Decimal(p, s);
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ExprKind.Decimal => string.Create(CultureInfo.InvariantCulture, $"decimal({Precision},{Scale})"),
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
