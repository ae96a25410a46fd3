namespace Etl.Core.Enrichment;

/// <summary>
/// A transform that needs to know which file it works on: the values the dataset's <c>match</c> glob captured from the
/// landed key (e.g. <c>partner</c>). The engine calls <see cref="TransformChain.BeginFile"/> before the file's first batch.
/// A chain holding such a step is bound per file, or must not be shared by files processed at the same time.
/// </summary>
public interface IFileScopedTransform
{
    /// <summary>Called before the first batch of a file.</summary>
    void BeginFile(IReadOnlyDictionary<string, string> captures);
}
