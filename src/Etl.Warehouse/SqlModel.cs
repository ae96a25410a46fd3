namespace Etl.Warehouse;

/// <summary>How a model is materialised in the analytics schema.</summary>
public enum Materialization
{
    /// <summary>CREATE VIEW (default).</summary>
    View,

    /// <summary>CREATE TABLE AS.</summary>
    Table,
}

/// <summary>One SQL model: a SELECT in a file, its header-declared materialisation and dependencies.</summary>
/// <param name="Name">Model name = file name without .sql; the relation name in the analytics schema.</param>
/// <param name="Path">Model file path.</param>
/// <param name="Sql">The file's text.</param>
/// <param name="Materialized">Table or view.</param>
/// <param name="DependsOn">Models that must be built first.</param>
public sealed record SqlModel(string Name, string Path, string Sql, Materialization Materialized, IReadOnlyList<string> DependsOn);
