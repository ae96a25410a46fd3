namespace Etl.Core.Enrichment.Expressions;

/// <summary>A node of a parsed expression; <see cref="Position"/> is 1-based in the expression text.</summary>
internal abstract record Syntax(int Position);

/// <summary>A literal: <c>12</c>, <c>12.50</c>, <c>'text'</c>, <c>true</c>, <c>null</c>, <c>date '2024-01-01'</c>.</summary>
internal sealed record LiteralSyntax(int Position, ExprKind Kind, string Text) : Syntax(Position);

/// <summary>A column reference.</summary>
internal sealed record ColumnSyntax(int Position, string Name) : Syntax(Position);

/// <summary><c>-x</c> or <c>not x</c>.</summary>
internal sealed record UnarySyntax(int Position, string Operator, Syntax Operand) : Syntax(Position);

/// <summary><c>a op b</c>: arithmetic, comparison, and/or.</summary>
internal sealed record BinarySyntax(int Position, string Operator, Syntax Left, Syntax Right) : Syntax(Position);

/// <summary><c>x is [not] null</c>.</summary>
internal sealed record IsNullSyntax(int Position, Syntax Operand, bool Negated) : Syntax(Position);

/// <summary>A function call.</summary>
internal sealed record CallSyntax(int Position, string Name, IReadOnlyList<Syntax> Arguments) : Syntax(Position);

/// <summary><c>case when c then v ... [else e] end</c>.</summary>
internal sealed record CaseSyntax(int Position, IReadOnlyList<(Syntax When, Syntax Then)> Branches, Syntax? Else) : Syntax(Position);
