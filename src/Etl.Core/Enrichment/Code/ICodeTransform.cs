using Etl.Parquet;

namespace Etl.Core.Enrichment.Code;

/// <summary>
/// A transform written in C# for what a declaration cannot say (a partner that sends quantities in dozens, a name column
/// to split). Registered by <see cref="Name"/> with <c>AddCodeTransform&lt;T&gt;()</c> and named in the definition as
/// <c>- code: { name: ..., options: {...} }</c>. <see cref="Version"/> is part of the pipeline version: bump it whenever
/// the output changes, so every landed file of the datasets using it is reprocessed.
/// </summary>
public interface ICodeTransform
{
    /// <summary>Name used in the definition (letters, digits, '_' and '-').</summary>
    string Name { get; }

    /// <summary>Version of the transform's behaviour, e.g. "1" or "2024-06-01".</summary>
    string Version { get; }

    /// <summary>
    /// Checks <paramref name="options"/> against <paramref name="input"/> and returns the step to run. Throw
    /// <see cref="TransformDefinitionException"/> (prefix messages with <paramref name="location"/>) for a wrong option or
    /// a missing column: it is reported before any data is touched.
    /// </summary>
    IBatchTransform Bind(ParquetSchema input, IReadOnlyDictionary<string, string> options, string location);
}
