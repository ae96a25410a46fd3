namespace Etl.Parquet;

/// <summary>One column of a <see cref="ParquetSchema"/>.</summary>
/// <param name="Name">Column name (written as is; readers match names case-sensitively).</param>
/// <param name="Type">Logical type.</param>
/// <param name="Nullable">OPTIONAL when true, REQUIRED when false.</param>
public sealed record ParquetField(string Name, ParquetType Type, bool Nullable = true)
{
    /// <summary>Decimal precision (1..38); only for <see cref="ParquetType.Decimal"/>.</summary>
    public int Precision { get; init; }

    /// <summary>Decimal scale (0..precision); only for <see cref="ParquetType.Decimal"/>.</summary>
    public int Scale { get; init; }

    /// <summary>For <see cref="ParquetType.Timestamp"/>: true for UTC-adjusted instants, false for local (wall-clock) times.</summary>
    public bool IsAdjustedToUtc { get; init; } = true;

    /// <summary>Creates a DECIMAL(precision, scale) field.</summary>
    public static ParquetField Decimal(string name, int precision, int scale, bool nullable = true)
    {
        if (precision is < 1 or > 38)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, $"Decimal column '{name}': precision must be 1..38.");
        }

        if (scale < 0 || scale > precision)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"Decimal column '{name}': scale must be 0..precision ({precision}).");
        }

        return new ParquetField(name, ParquetType.Decimal, nullable) { Precision = precision, Scale = scale };
    }

    /// <summary>Creates a TIMESTAMP(MICROS) field.</summary>
    public static ParquetField Timestamp(string name, bool isAdjustedToUtc = true, bool nullable = true) =>
        new(name, ParquetType.Timestamp, nullable) { IsAdjustedToUtc = isAdjustedToUtc };
}
