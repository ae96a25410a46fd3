using System.Text;

namespace Etl.Core.Enrichment.Expressions;

/// <summary>Splits an expression into tokens with their positions.</summary>
internal static class Tokenizer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            var pos = i + 1;
            if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i], pos));
                continue;
            }

            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                var dot = false;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || (text[i] == '.' && !dot)))
                {
                    dot |= text[i] == '.';
                    i++;
                }

                if (i < text.Length && (char.IsLetter(text[i]) || text[i] == '_'))
                {
                    throw new ExpressionSyntaxException(i + 1, $"unexpected '{text[i]}' after the number '{text[start..i]}'");
                }

                tokens.Add(new Token(dot ? TokenKind.Number : TokenKind.Integer, text[start..i], pos));
                continue;
            }

            if (c is '\'' or '"')
            {
                var sb = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new ExpressionSyntaxException(pos, c == '\''
                            ? "string literal is not closed; end it with ' (write '' for a quote inside)"
                            : "quoted column name is not closed; end it with \"");
                    }

                    if (text[i] == c)
                    {
                        if (i + 1 < text.Length && text[i + 1] == c)
                        {
                            sb.Append(c);
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(text[i++]);
                }

                tokens.Add(new Token(c == '\'' ? TokenKind.String : TokenKind.QuotedIdentifier, sb.ToString(), pos));
                continue;
            }

            var two = i + 1 < text.Length ? text.Substring(i, 2) : null;
            var kind = two switch
            {
                "<>" or "!=" => TokenKind.NotEqual,
                "<=" => TokenKind.LessOrEqual,
                ">=" => TokenKind.GreaterOrEqual,
                _ => TokenKind.End,
            };
            if (kind != TokenKind.End)
            {
                tokens.Add(new Token(kind, two!, pos));
                i += 2;
                continue;
            }

            kind = c switch
            {
                '(' => TokenKind.LeftParen,
                ')' => TokenKind.RightParen,
                ',' => TokenKind.Comma,
                '+' => TokenKind.Plus,
                '-' => TokenKind.Minus,
                '*' => TokenKind.Star,
                '/' => TokenKind.Slash,
                '%' => TokenKind.Percent,
                '=' => TokenKind.Equal,
                '<' => TokenKind.Less,
                '>' => TokenKind.Greater,
                _ => throw new ExpressionSyntaxException(pos, $"unexpected character '{c}'"),
            };
            tokens.Add(new Token(kind, c.ToString(), pos));
            i++;
        }

        tokens.Add(new Token(TokenKind.End, "", text.Length + 1));
        return tokens;
    }
}
