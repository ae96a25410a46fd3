namespace Etl.Core.Reading;

/// <summary>The JSON lines file cannot be read on (a line past the size limit); the whole file is quarantined.</summary>
public sealed class JsonlFormatException(string message, long line) : EtlException(message)
{
    /// <summary>The line where the problem is.</summary>
    public long Line { get; } = line;
}
