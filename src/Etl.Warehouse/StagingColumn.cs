using Etl.Parquet;

namespace Etl.Warehouse;

/// <summary>How one Parquet field is staged in PostgreSQL and read back as its warehouse type.</summary>
internal sealed record StagingColumn(ParquetField Field, int Index)
{
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

    /// <summary>Column type in the staging table (the same: COPY sends every value in its exact wire form).</summary>
    public string StagingType => WarehouseType;

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

    /// <summary>SQL reading this column from staging alias <paramref name="alias"/>.</summary>
    public string Read(string alias) => alias + "." + Identifiers.Q(Field.Name);
}
