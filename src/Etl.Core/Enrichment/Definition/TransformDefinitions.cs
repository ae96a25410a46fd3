namespace Etl.Core.Enrichment.Definition;

/// <summary>Where a definition element starts: file, 1-based line and column.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    /// <summary>A location for definitions built in code (tests, templates).</summary>
    public static readonly SourceLocation None = new("(code)", 0, 0);

    /// <inheritdoc />
    public override string ToString() => Line == 0 ? File : $"{File}:{Line}:{Column}";
}

/// <summary>What to do with a row a transform cannot handle or does not want.</summary>
public enum RowAction
{
    /// <summary>Write it to rejects/ with the reason.</summary>
    Reject,

    /// <summary>Drop it and count it under the filter's name.</summary>
    Filter,

    /// <summary>Keep it (with nulls in the columns that could not be filled) and count it.</summary>
    KeepWithNulls,
}

/// <summary>One entry of a dataset's <c>transforms:</c> list.</summary>
public abstract record TransformDefinition(SourceLocation Location);

/// <summary><c>derive:</c> computed columns, each seeing the columns before it.</summary>
public sealed record DeriveDefinition(SourceLocation Location, IReadOnlyList<DerivedColumnDefinition> Columns) : TransformDefinition(Location);

/// <summary>One derived column: <c>revenue: units_sold * unit_price</c>, or with a declared type.</summary>
/// <param name="Location">Where it is written.</param>
/// <param name="Name">Output column.</param>
/// <param name="Expression">The expression text.</param>
/// <param name="Type">Declared result type (e.g. <c>decimal(18,2)</c>); the value is converted (decimals rounded half away from zero). Null: the expression's own type.</param>
public sealed record DerivedColumnDefinition(SourceLocation Location, string Name, string Expression, string? Type = null);

/// <summary>Where a row's currency comes from: a column, one fixed code, or a code per value of a path capture or column (e.g. per partner).</summary>
/// <param name="Column">Column holding the ISO code.</param>
/// <param name="Fixed">One code for the whole dataset.</param>
/// <param name="By">Capture or column whose value picks the code from <paramref name="Map"/>.</param>
/// <param name="Map">Value of <paramref name="By"/> to currency code.</param>
public sealed record CurrencySource(string? Column = null, string? Fixed = null, string? By = null, IReadOnlyDictionary<string, string>? Map = null);

/// <summary><c>convert_currency:</c> amount columns to USD with a reference rate table.</summary>
/// <param name="Location">Where it is written.</param>
/// <param name="Rates">Lake key (or folder) of the rate table CSV / CSV.gz.</param>
/// <param name="Amounts">Amount columns; each gets <c>&lt;name&gt;_usd</c>.</param>
/// <param name="Currency">Where the currency comes from.</param>
/// <param name="DateColumn">The date column that picks the rate (latest rate effective on or before it).</param>
/// <param name="Scale">Scale of the <c>_usd</c> columns (default 2).</param>
/// <param name="Precision">Precision of the <c>_usd</c> columns (default 18).</param>
public sealed record ConvertCurrencyDefinition(
    SourceLocation Location,
    string Rates,
    IReadOnlyList<string> Amounts,
    CurrencySource Currency,
    string DateColumn,
    int Scale = 2,
    int Precision = 18) : TransformDefinition(Location);

/// <summary><c>lookup:</c> a join to a reference table on one key.</summary>
/// <param name="Location">Where it is written.</param>
/// <param name="Name">Name used in messages and counts (defaults to the table).</param>
/// <param name="Table">Lake key of the CSV (or later a <c>postgres:schema.table</c> reference).</param>
/// <param name="Key">Column of the batch holding the key.</param>
/// <param name="TableKey">Column of the table holding the key (default: same name as <paramref name="Key"/>).</param>
/// <param name="Columns">Table columns to add: table column name to output column name.</param>
/// <param name="OnMissing"><see cref="RowAction.Reject"/> or <see cref="RowAction.KeepWithNulls"/>.</param>
/// <param name="MaxRows">Largest table accepted; more is a configuration error.</param>
public sealed record LookupDefinition(
    SourceLocation Location,
    string Name,
    string Table,
    string Key,
    string TableKey,
    IReadOnlyList<LookupColumn> Columns,
    RowAction OnMissing = RowAction.Reject,
    int MaxRows = 1_000_000) : TransformDefinition(Location);

/// <summary>A column a lookup adds.</summary>
/// <param name="Source">Column name in the reference table.</param>
/// <param name="Name">Output column name.</param>
/// <param name="Type">Type of the output column (default string).</param>
public sealed record LookupColumn(string Source, string Name, string Type = "string");

/// <summary><c>late_rows:</c> rows older than the latest committed period of their key are filtered as <c>late</c> or rejected.</summary>
/// <param name="Location">Where it is written.</param>
/// <param name="DateColumn">The row's date column.</param>
/// <param name="Key">Capture or column the watermark is kept per (e.g. partner); null: one watermark for the dataset.</param>
/// <param name="Action"><see cref="RowAction.Filter"/> (default) or <see cref="RowAction.Reject"/>.</param>
public sealed record LateRowsDefinition(SourceLocation Location, string DateColumn, string? Key, RowAction Action = RowAction.Filter) : TransformDefinition(Location);

/// <summary><c>code:</c> a named C# transform compiled into the product.</summary>
/// <param name="Location">Where it is written.</param>
/// <param name="Name">Registered name.</param>
/// <param name="Options">Free options passed to the transform.</param>
public sealed record CodeTransformDefinition(SourceLocation Location, string Name, IReadOnlyDictionary<string, string> Options) : TransformDefinition(Location);
