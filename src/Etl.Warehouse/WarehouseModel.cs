namespace Etl.Warehouse;

/// <summary>How a dimension keeps history.</summary>
public enum ScdType
{
    /// <summary>Type 1: attributes are overwritten in place (default).</summary>
    Type1 = 1,

    /// <summary>Type 2: a changed row is closed (valid_to set) and a new current row inserted.</summary>
    Type2 = 2,
}

/// <summary>One dimension of a dataset's star: its table, natural key columns and attributes (all source column names).</summary>
/// <param name="Table">Dimension table name in the warehouse schema.</param>
/// <param name="NaturalKey">Source columns forming the natural key.</param>
/// <param name="Attributes">Source columns copied as descriptive attributes.</param>
/// <param name="Scd">History kind.</param>
public sealed record WarehouseDimension(string Table, IReadOnlyList<string> NaturalKey, IReadOnlyList<string> Attributes, ScdType Scd = ScdType.Type1)
{
    /// <summary>
    /// The dimension is declared, with its attributes, by another dataset (e.g. a customers table extracted on its
    /// own): this dataset's fact only joins to its current row by natural key and never writes to it. Its
    /// <see cref="Attributes"/> and <see cref="Scd"/> are the owner's.
    /// </summary>
    public bool IsReference { get; init; }
}

/// <summary>A monthly mart: total of a measure per dimension member per month, optionally with the month's top performer.</summary>
/// <param name="Name">View name in the analytics schema.</param>
/// <param name="Dimension">Dimension table to group by (its natural key and attributes appear in the mart).</param>
/// <param name="Measure">Measure column summed.</param>
/// <param name="TopPerformer">Adds <c>rank_in_month</c> and <c>is_top_performer</c>.</param>
public sealed record WarehouseMart(string Name, string Dimension, string Measure, bool TopPerformer = false);

/// <summary>The warehouse block of one dataset: fact table, measures, dimensions, the date column feeding the generated date dimension, and marts.</summary>
/// <param name="Dataset">Dataset name (as in the pipeline definition); also the advisory-lock scope of merges.</param>
/// <param name="FactTable">Fact table name in the warehouse schema; null for a dataset that only feeds dimensions (a reference table).</param>
/// <param name="Measures">Source columns stored on the fact as measures.</param>
/// <param name="Dimensions">Dimensions referenced by the fact.</param>
/// <param name="DateColumn">Source DATE column referenced through <c>date_key</c> (yyyymmdd) to <c>dim_date</c>, or null.</param>
/// <param name="Marts">Monthly marts built on this fact.</param>
public sealed record WarehouseDataset(
    string Dataset,
    string? FactTable,
    IReadOnlyList<string> Measures,
    IReadOnlyList<WarehouseDimension> Dimensions,
    string? DateColumn = null,
    IReadOnlyList<WarehouseMart>? Marts = null)
{
    /// <summary>
    /// Columns identifying a fact row across source files (e.g. an order line id of an extracted OLTP table). Empty:
    /// the fact rows of a file are replaced only by that file's next version. Set: a row of any file replaces the
    /// fact row with the same key (the latest version of a row updated in the source is kept, once).
    /// </summary>
    public IReadOnlyList<string> FactKey { get; init; } = [];

    /// <summary>With <see cref="FactKey"/>: a column ordering versions of a row (e.g. updated_at); a staged row older than the fact row with its key is ignored.</summary>
    public string? FactVersion { get; init; }

    /// <summary>Checks every identifier and cross reference; throws <see cref="WarehouseConfigurationException"/> naming the key.</summary>
    public void Validate()
    {
        Identifiers.Check(Dataset, "warehouse.dataset");
        if (FactTable is null)
        {
            if (Measures.Count > 0 || DateColumn is not null || (Marts?.Count ?? 0) > 0 || FactKey.Count > 0 || FactVersion is not null)
            {
                throw new WarehouseConfigurationException($"warehouse[{Dataset}]: measures, date_column, marts, key and version belong to a fact; add 'fact: <table>' or remove them.");
            }

            if (Dimensions.Count == 0 || Dimensions.Any(d => d.IsReference))
            {
                throw new WarehouseConfigurationException($"warehouse[{Dataset}]: a dataset without 'fact' loads dimensions; declare at least one with its attributes.");
            }
        }
        else
        {
            Identifiers.Check(FactTable, $"warehouse[{Dataset}].fact");
        }

        foreach (var k in FactKey)
        {
            Identifiers.Check(k, $"warehouse[{Dataset}].key");
        }

        if (FactVersion is not null)
        {
            Identifiers.Check(FactVersion, $"warehouse[{Dataset}].version");
            if (FactKey.Count == 0)
            {
                throw new WarehouseConfigurationException($"warehouse[{Dataset}].version: a version orders the rows of one key; declare 'key: [...]' too.");
            }
        }
        foreach (var m in Measures)
        {
            Identifiers.Check(m, $"warehouse[{Dataset}].measures");
        }

        if (DateColumn is not null)
        {
            Identifiers.Check(DateColumn, $"warehouse[{Dataset}].date_column");
        }

        var tables = new HashSet<string>(StringComparer.Ordinal) { FactTable ?? "", "dim_date", "file_loads" };
        foreach (var d in Dimensions)
        {
            var where = $"warehouse[{Dataset}].dimensions[{d.Table}]";
            Identifiers.Check(d.Table, where);
            if (!tables.Add(d.Table))
            {
                throw new WarehouseConfigurationException($"{where}: table name '{d.Table}' is used twice; give each dimension its own table.");
            }

            if (d.NaturalKey.Count == 0)
            {
                throw new WarehouseConfigurationException($"{where}: natural_key is empty; list the source columns that identify a member.");
            }

            foreach (var c in d.NaturalKey.Concat(d.Attributes))
            {
                Identifiers.Check(c, where);
            }
        }

        foreach (var mart in Marts ?? [])
        {
            var where = $"warehouse[{Dataset}].marts[{mart.Name}]";
            Identifiers.Check(mart.Name, where);
            if (!Dimensions.Any(d => d.Table == mart.Dimension))
            {
                throw new WarehouseConfigurationException($"{where}: dimension '{mart.Dimension}' is not declared; use one of: {string.Join(", ", Dimensions.Select(d => d.Table))}.");
            }

            if (!Measures.Contains(mart.Measure))
            {
                throw new WarehouseConfigurationException($"{where}: measure '{mart.Measure}' is not declared; use one of: {string.Join(", ", Measures)}.");
            }

            if (DateColumn is null)
            {
                throw new WarehouseConfigurationException($"{where}: a monthly mart needs date_column on the dataset.");
            }
        }
    }
}
