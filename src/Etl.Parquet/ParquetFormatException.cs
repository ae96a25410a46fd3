namespace Etl.Parquet;

/// <summary>A Parquet file is corrupt, truncated or uses something this library does not read. The message says what and where.</summary>
public class ParquetFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ParquetFormatException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ParquetFormatException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ParquetFormatException(string message)
        : base(message)
    {
    }
}
