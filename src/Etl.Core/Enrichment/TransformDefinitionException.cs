namespace Etl.Core.Enrichment;

/// <summary>
/// A transform in the pipeline definition is wrong (unknown column, type error in an expression, missing reference
/// table, ...). Raised while the definition is loaded and bound, before any data is touched.
/// </summary>
public sealed class TransformDefinitionException : EtlException
{
    /// <summary>Creates the exception from one problem.</summary>
    public TransformDefinitionException(string problem)
        : this([problem])
    {
    }

    /// <summary>Creates the exception from several problems.</summary>
    public TransformDefinitionException(IReadOnlyList<string> problems, Exception? innerException = null)
        : base(Describe(problems), innerException) => Problems = problems;

    /// <summary>The problems, each saying what, where and what to write instead.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Describe(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 1
            ? problems[0]
            : $"{problems.Count} problems in the transforms:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems);
    }
}
