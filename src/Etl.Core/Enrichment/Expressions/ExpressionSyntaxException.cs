namespace Etl.Core.Enrichment.Expressions;

/// <summary>An expression cannot be tokenized, parsed or typed; <see cref="Position"/> is the 1-based character position.</summary>
internal sealed class ExpressionSyntaxException(int position, string message) : Exception(message)
{
    public int Position { get; } = position;
}
