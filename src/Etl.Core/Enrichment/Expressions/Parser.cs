namespace Etl.Core.Enrichment.Expressions;

/// <summary>
/// Recursive-descent parser. Precedence, loosest first: <c>or</c>; <c>and</c>; <c>not</c>; comparisons and
/// <c>is [not] null</c>; <c>+ -</c>; <c>* / %</c>; unary minus; primaries.
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> s_reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "not", "case", "when", "then", "else", "end", "is", "null", "true", "false",
    };

    private readonly List<Token> _tokens;
    private int _next;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static Syntax Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ExpressionSyntaxException(1, "the expression is empty");
        }

        var parser = new Parser(Tokenizer.Tokenize(text));
        var expr = parser.ParseOr();
        var end = parser.Peek;
        if (end.Kind != TokenKind.End)
        {
            throw new ExpressionSyntaxException(end.Position, $"unexpected '{end.Text}' after a complete expression; is an operator or a comma missing?");
        }

        return expr;
    }

    private Token Peek => _tokens[_next];

    private Token Take() => _tokens[_next++];

    private bool TakeKeyword(string keyword)
    {
        if (Peek.IsKeyword(keyword))
        {
            _next++;
            return true;
        }

        return false;
    }

    private Token Expect(TokenKind kind, string what)
    {
        var t = Peek;
        if (t.Kind != kind)
        {
            throw new ExpressionSyntaxException(t.Position, $"expected {what} but found {Describe(t)}");
        }

        _next++;
        return t;
    }

    private void ExpectKeyword(string keyword)
    {
        if (!TakeKeyword(keyword))
        {
            throw new ExpressionSyntaxException(Peek.Position, $"expected '{keyword}' but found {Describe(Peek)}");
        }
    }

    private static string Describe(Token t) => t.Kind == TokenKind.End ? "the end of the expression" : $"'{t.Text}'";

    private Syntax ParseOr()
    {
        var left = ParseAnd();
        while (Peek.IsKeyword("or"))
        {
            var op = Take();
            left = new BinarySyntax(op.Position, "or", left, ParseAnd());
        }

        return left;
    }

    private Syntax ParseAnd()
    {
        var left = ParseNot();
        while (Peek.IsKeyword("and"))
        {
            var op = Take();
            left = new BinarySyntax(op.Position, "and", left, ParseNot());
        }

        return left;
    }

    private Syntax ParseNot()
    {
        if (Peek.IsKeyword("not"))
        {
            var op = Take();
            return new UnarySyntax(op.Position, "not", ParseNot());
        }

        return ParseComparison();
    }

    private Syntax ParseComparison()
    {
        var left = ParseAdditive();
        var t = Peek;
        if (t.IsKeyword("is"))
        {
            _next++;
            var negated = TakeKeyword("not");
            ExpectKeyword("null");
            return new IsNullSyntax(t.Position, left, negated);
        }

        if (t.Kind is TokenKind.Equal or TokenKind.NotEqual or TokenKind.Less or TokenKind.LessOrEqual or TokenKind.Greater or TokenKind.GreaterOrEqual)
        {
            _next++;
            var op = t.Kind == TokenKind.NotEqual ? "<>" : t.Text;
            return new BinarySyntax(t.Position, op, left, ParseAdditive());
        }

        return left;
    }

    private Syntax ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Peek.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = Take();
            left = new BinarySyntax(op.Position, op.Text, left, ParseMultiplicative());
        }

        return left;
    }

    private Syntax ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Peek.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var op = Take();
            left = new BinarySyntax(op.Position, op.Text, left, ParseUnary());
        }

        return left;
    }

    private Syntax ParseUnary()
    {
        if (Peek.Kind == TokenKind.Minus)
        {
            var op = Take();
            var operand = ParseUnary();
            // Fold "-<number>" into the literal so that the smallest integer and negative decimals keep their type.
            if (operand is LiteralSyntax { Kind: ExprKind.Int64 or ExprKind.Decimal } lit)
            {
                return lit with { Position = op.Position, Text = "-" + lit.Text };
            }

            return new UnarySyntax(op.Position, "-", operand);
        }

        if (Peek.Kind == TokenKind.Plus)
        {
            _next++;
            return ParseUnary();
        }

        return ParsePrimary();
    }

    private Syntax ParsePrimary()
    {
        var t = Take();
        switch (t.Kind)
        {
            case TokenKind.Integer:
                return new LiteralSyntax(t.Position, ExprKind.Int64, t.Text);
            case TokenKind.Number:
                return new LiteralSyntax(t.Position, ExprKind.Decimal, t.Text);
            case TokenKind.String:
                return new LiteralSyntax(t.Position, ExprKind.String, t.Text);
            case TokenKind.QuotedIdentifier:
                return new ColumnSyntax(t.Position, t.Text);
            case TokenKind.LeftParen:
                var inner = ParseOr();
                Expect(TokenKind.RightParen, "')'");
                return inner;
            case TokenKind.Identifier:
                return ParseIdentifier(t);
            default:
                throw new ExpressionSyntaxException(t.Position, $"expected a column, a literal or '(' but found {Describe(t)}");
        }
    }

    private Syntax ParseIdentifier(Token t)
    {
        if (t.IsKeyword("null"))
        {
            return new LiteralSyntax(t.Position, ExprKind.Null, "null");
        }

        if (t.IsKeyword("true") || t.IsKeyword("false"))
        {
            return new LiteralSyntax(t.Position, ExprKind.Boolean, t.Text.ToLowerInvariant());
        }

        if ((t.IsKeyword("date") || t.IsKeyword("timestamp")) && Peek.Kind == TokenKind.String)
        {
            var s = Take();
            return new LiteralSyntax(t.Position, t.IsKeyword("date") ? ExprKind.Date : ExprKind.Timestamp, s.Text);
        }

        if (t.IsKeyword("case"))
        {
            return ParseCase(t);
        }

        if (Peek.Kind == TokenKind.LeftParen)
        {
            _next++;
            var args = new List<Syntax>();
            if (Peek.Kind != TokenKind.RightParen)
            {
                do
                {
                    args.Add(ParseOr());
                }
                while (Peek.Kind == TokenKind.Comma && Take().Kind == TokenKind.Comma);
            }

            Expect(TokenKind.RightParen, "')' or ','");
            return new CallSyntax(t.Position, t.Text.ToLowerInvariant(), args);
        }

        if (s_reserved.Contains(t.Text))
        {
            throw new ExpressionSyntaxException(t.Position, $"'{t.Text}' is a keyword; quote a column with that name as \"{t.Text}\"");
        }

        return new ColumnSyntax(t.Position, t.Text);
    }

    private CaseSyntax ParseCase(Token start)
    {
        var branches = new List<(Syntax, Syntax)>();
        while (TakeKeyword("when"))
        {
            var when = ParseOr();
            ExpectKeyword("then");
            branches.Add((when, ParseOr()));
        }

        if (branches.Count == 0)
        {
            throw new ExpressionSyntaxException(Peek.Position, $"expected 'when' after 'case' but found {Describe(Peek)}");
        }

        Syntax? otherwise = null;
        if (TakeKeyword("else"))
        {
            otherwise = ParseOr();
        }

        ExpectKeyword("end");
        return new CaseSyntax(start.Position, branches, otherwise);
    }
}
