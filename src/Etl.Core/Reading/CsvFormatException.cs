namespace Etl.Core.Reading;

/// <summary>The file is not valid CSV at a given line (e.g. an unclosed quote). The whole file is quarantined.</summary>
public sealed class CsvFormatException(string message, long line) : EtlException(message)
{
    /// <summary>The line where the problem starts.</summary>
    public long Line { get; } = line;
}
