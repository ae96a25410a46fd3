namespace Etl.Core.Pipeline;

/// <summary>The whole file cannot be processed; it goes to quarantine with this reason and fix.</summary>
internal sealed class QuarantineException(string reason, string fix, IReadOnlyList<string>? missing = null, IReadOnlyList<string>? found = null, long? line = null)
    : EtlException(reason)
{
    public string Fix { get; } = fix;

    public IReadOnlyList<string>? Missing { get; } = missing;

    public IReadOnlyList<string>? Found { get; } = found;

    public long? Line { get; } = line;
}
