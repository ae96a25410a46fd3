namespace Etl.Parquet;

/// <summary>Statistics of one column chunk, as written in the file.</summary>
/// <param name="NullCount">Nulls in the chunk, when recorded.</param>
/// <param name="Min">Smallest value (bool, int, long, double, string, or Int128 unscaled for decimals; DATE as int days, TIMESTAMP as long micros), or null.</param>
/// <param name="Max">Largest value, like <paramref name="Min"/>.</param>
/// <param name="MinIsExact">False when <paramref name="Min"/> is a truncated lower bound of the smallest value.</param>
/// <param name="MaxIsExact">False when <paramref name="Max"/> is a truncated upper bound of the largest value.</param>
public sealed record ColumnStatistics(long? NullCount, object? Min, object? Max, bool MinIsExact = true, bool MaxIsExact = true);
