namespace Etl.Core.Reading;

/// <summary>A Parquet file that cannot be read as the dataset declares it; the whole file is quarantined.</summary>
internal sealed class ParquetInputException(string message, Exception? inner = null) : EtlException(message, inner);
