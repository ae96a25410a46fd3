namespace Etl.Core.Enrichment.Reference;

/// <summary>
/// A reference table (currency rates, a lookup table) cannot be used: missing, too large, a bad header or value. The run
/// stops before any file is processed, since every file of the dataset would need it.
/// </summary>
public sealed class ReferenceDataException(string message, Exception? innerException = null, bool isTransient = false)
    : EtlException(message, innerException, isTransient);
