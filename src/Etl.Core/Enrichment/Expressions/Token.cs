namespace Etl.Core.Enrichment.Expressions;

/// <summary>Kinds of token in an expression.</summary>
internal enum TokenKind
{
    End,
    Identifier,
    QuotedIdentifier,
    Integer,
    Number,
    String,
    LeftParen,
    RightParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>A token and where it starts (1-based character position in the expression).</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Position)
{
    public bool IsKeyword(string keyword) => Kind == TokenKind.Identifier && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);
}
