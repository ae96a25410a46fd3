using Etl.Parquet;

namespace Etl.Warehouse;

/// <summary>How one Parquet field is staged in PostgreSQL and read back as its warehouse type.</summary>
internal sealed record StagingColumn(ParquetField Field, int Index)
{
    /// <summary>Decimals above 28 digits do not fit System.Decimal: they are staged as unscaled integers and scaled in SQL.</summary>
    public bool WideDecimal => Field.Type == ParquetType.Decimal && Field.Precision > 28;

    /// <summary>Column type in the warehouse tables.</summary>
    public string WarehouseType => Field.Type switch
    {
        ParquetType.Boolean => "boolean",
        ParquetType.Int32 => "integer",
        ParquetType.Int64 => "bigint",
        ParquetType.Double => "double precision",
        ParquetType.Date => "date",
        ParquetType.Timestamp => Field.IsAdjustedToUtc ? "timestamptz" : "timestamp",
        ParquetType.Decimal => $"numeric({Field.Precision},{Field.Scale})",
        ParquetType.String => "text",
        _ => throw new WarehouseException($"Column '{Field.Name}' has type {Field.Type}, which the warehouse cannot store."),
    };

    /// <summary>Column type in the staging table.</summary>
    public string StagingType => WideDecimal ? "numeric" : WarehouseType;

    /// <summary>
    /// A constant of the warehouse type standing in for NULL in a join key: <c>coalesce(a, s) = coalesce(b, s)</c> is an
    /// equality PostgreSQL can hash-join on, and the <c>IS NOT DISTINCT FROM</c> beside it removes the rows where a real
    /// value equals the stand-in. Joining on <c>IS NOT DISTINCT FROM</c> alone forces a nested loop.
    /// </summary>
    public string NullStandIn => Field.Type switch
    {
        ParquetType.Boolean => "false",
        ParquetType.Date => "DATE '1970-01-01'",
        ParquetType.Timestamp => "TIMESTAMPTZ '1970-01-01 00:00:00+00'",
        ParquetType.String => "''",
        _ => "0",
    };

    /// <summary>SQL reading this column from staging alias <paramref name="alias"/> as its warehouse type.</summary>
    public string Read(string alias)
    {
        var col = alias + "." + Identifiers.Q(Field.Name);
        if (!WideDecimal)
        {
            return col;
        }

        var factor = Field.Scale == 0 ? "1" : "0." + new string('0', Field.Scale - 1) + "1";
        return $"({col} * {factor})::{WarehouseType}";
    }
}
