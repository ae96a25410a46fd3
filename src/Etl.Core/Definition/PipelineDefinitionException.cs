namespace Etl.Core.Definition;

/// <summary>The pipeline definition has mistakes. Every problem names the file, line and column, and what to write instead.</summary>
public sealed class PipelineDefinitionException(string path, IReadOnlyList<string> problems)
    : EtlException($"{path}: {problems.Count} problem(s) in the pipeline definition:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems))
{
    /// <summary>The problems, each as "file:line:column: what; fix".</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
