using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Expressions;
using Etl.Parquet;

namespace Etl.Core.Enrichment;

/// <summary>
/// Adds computed columns. Each expression is type-checked when the transform is created (errors name the expression, the
/// column and the position) and then evaluated a whole batch at a time. A row whose value cannot be computed (integer or
/// decimal overflow, a value that does not fit the declared type) is rejected naming the column and the expression.
/// </summary>
public sealed class DeriveTransform : IBatchTransform
{
    private readonly Evaluator[] _evaluators;
    private readonly EvalContext[] _contexts;
    private readonly int _firstOutput;

    private DeriveTransform(int firstOutput, Evaluator[] evaluators, EvalContext[] contexts, ParquetField[] fields)
    {
        _firstOutput = firstOutput;
        _evaluators = evaluators;
        _contexts = contexts;
        AddedFields = fields;
        Name = "derive " + string.Join(", ", fields.Select(f => f.Name));
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<ParquetField> AddedFields { get; }

    /// <summary>Type-checks and compiles <paramref name="columns"/> against <paramref name="input"/>; each column sees the ones before it.</summary>
    /// <exception cref="TransformDefinitionException">An expression is wrong; every problem is listed.</exception>
    public static DeriveTransform Create(ParquetSchema input, IReadOnlyList<DerivedColumnDefinition> columns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(columns);
        var problems = new List<string>();
        var fields = new List<ParquetField>(input.Fields);
        var evaluators = new List<Evaluator>();
        var contexts = new List<EvalContext>();
        var added = new List<ParquetField>();
        foreach (var column in columns)
        {
            var schema = new ParquetSchema(fields);
            if (schema.IndexOf(column.Name) >= 0)
            {
                problems.Add($"{column.Location}: derived column '{column.Name}' already exists; pick another name");
                continue;
            }

            try
            {
                var evaluator = new ExpressionCompiler(schema).Compile(Parser.Parse(column.Expression));
                var type = evaluator.Type;
                if (column.Type is not null)
                {
                    if (!ExprType.TryParse(column.Type, out var declared))
                    {
                        problems.Add($"{column.Location}: derived column '{column.Name}': type '{column.Type}' is unknown; write int32, int64, double, decimal(p,s), string, date, timestamp or boolean");
                        continue;
                    }

                    if (!CanDeclare(type, declared))
                    {
                        problems.Add($"{column.Location}: derived column '{column.Name}' = {column.Expression}: the expression is {type}, which cannot be stored as {declared}");
                        continue;
                    }

                    evaluator = ExpressionCompiler.Convert(evaluator, declared);
                    type = declared;
                }
                else if (type.Kind == ExprKind.Null)
                {
                    problems.Add($"{column.Location}: derived column '{column.Name}' = {column.Expression}: the expression is always null; give it a type with 'type:'");
                    continue;
                }

                var field = type.ToField(column.Name);
                fields.Add(field);
                added.Add(field);
                evaluators.Add(evaluator);
                contexts.Add(new EvalContext(column.Name, column.Expression));
            }
            catch (ExpressionSyntaxException ex)
            {
                problems.Add(Describe(column, ex));
            }
        }

        if (problems.Count > 0)
        {
            throw new TransformDefinitionException(problems);
        }

        return new DeriveTransform(input.Fields.Count, [.. evaluators], [.. contexts], [.. added]);
    }

    /// <inheritdoc />
    public void Apply(ColumnBatch batch, int rowCount, RowDisposition rows)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (var i = 0; i < _evaluators.Length; i++)
        {
            var context = _contexts[i];
            context.Start(batch, rowCount, rows);
            var result = _evaluators[i].Evaluate(context);
            BufferOps.AppendRange(batch[_firstOutput + i], result, rowCount);
        }
    }

    private static bool CanDeclare(ExprType from, ExprType to) =>
        ExpressionCompiler.CanConvert(from, to) || (from.Kind == ExprKind.Decimal && to.Kind == ExprKind.Decimal);

    private static string Describe(DerivedColumnDefinition column, ExpressionSyntaxException ex)
    {
        var caret = new string(' ', Math.Max(0, ex.Position - 1)) + "^";
        return $"{column.Location}: derived column '{column.Name}', position {ex.Position}: {ex.Message}{Environment.NewLine}"
            + $"      {column.Expression}{Environment.NewLine}      {caret}";
    }
}
