using Etl.Core.Enrichment.Code;
using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Reference;
using Etl.Parquet;

namespace Etl.Core.Enrichment;

/// <summary>What a chain is bound with, besides the schema: the run's reference tables, the glob's capture names and the late-row watermarks.</summary>
/// <param name="Tables">Reference tables of the run (shared).</param>
/// <param name="Captures">Names the dataset's <c>match</c> glob captures (e.g. partner).</param>
/// <param name="Watermarks">Late-row watermarks: key value to the first day not yet committed for it (empty when none).</param>
public sealed record TransformBindContext(ReferenceTables Tables, IReadOnlyCollection<string> Captures, IReadOnlyDictionary<string, DateOnly> Watermarks);

/// <summary>
/// Builds a dataset's <see cref="TransformChain"/> from its definitions. Bind once at the start of the run to report
/// every configuration problem before any file is read; then bind one chain per file (cheap: the tables are loaded once
/// per run by <see cref="ReferenceTables"/>), because steps that depend on the file's captures keep per-file state.
/// </summary>
public sealed class TransformChainFactory(CodeTransformRegistry registry)
{
    /// <summary>Binds <paramref name="definitions"/> to <paramref name="input"/>; every problem of every step is reported together.</summary>
    /// <exception cref="TransformDefinitionException">A step is wrong.</exception>
    /// <exception cref="ReferenceDataException">A reference table is missing or bad.</exception>
    public async Task<TransformChain> CreateAsync(ParquetSchema input, IReadOnlyList<TransformDefinition> definitions, TransformBindContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<string>();
        var steps = new List<IBatchTransform>();
        var schema = input;
        foreach (var definition in definitions)
        {
            try
            {
                IBatchTransform step = definition switch
                {
                    DeriveDefinition d => DeriveTransform.Create(schema, d.Columns),
                    ConvertCurrencyDefinition c => CurrencyConversionTransform.Create(schema, c, await context.Tables.GetRatesAsync(c.Rates, cancellationToken).ConfigureAwait(false), context.Captures),
                    LookupDefinition l => LookupTransform.Create(schema, l, await context.Tables.GetLookupAsync(l, cancellationToken).ConfigureAwait(false)),
                    LateRowsDefinition r => LateRowsTransform.Create(schema, r, context.Watermarks, context.Captures),
                    CodeTransformDefinition c => Find(c).Bind(schema, c.Options, c.Location.ToString()),
                    _ => throw new TransformDefinitionException($"{definition.Location}: unsupported transform {definition.GetType().Name}"),
                };
                steps.Add(step);
                schema = new ParquetSchema([.. schema.Fields, .. step.AddedFields]);
            }
            catch (TransformDefinitionException ex)
            {
                problems.AddRange(ex.Problems);
            }
            catch (ArgumentException ex)
            {
                problems.Add($"{definition.Location}: {ex.Message}");
            }
        }

        if (problems.Count > 0)
        {
            throw new TransformDefinitionException(problems);
        }

        return new TransformChain(input, steps);
    }

    /// <summary>
    /// <c>name@version</c> of every code transform the definitions name, in order: add it to the normalised definition
    /// when hashing the pipeline version, so a new transform version reprocesses the dataset.
    /// </summary>
    /// <exception cref="TransformDefinitionException">A name is not registered.</exception>
    public IReadOnlyList<string> CodeVersions(IEnumerable<TransformDefinition> definitions)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var result = new List<string>();
        var problems = new List<string>();
        foreach (var c in definitions.OfType<CodeTransformDefinition>())
        {
            try
            {
                var t = Find(c);
                result.Add($"{t.Name}@{t.Version}");
            }
            catch (TransformDefinitionException ex)
            {
                problems.AddRange(ex.Problems);
            }
        }

        return problems.Count > 0 ? throw new TransformDefinitionException(problems) : result;
    }

    private ICodeTransform Find(CodeTransformDefinition c) =>
        registry.Find(c.Name) ?? throw new TransformDefinitionException(
            $"{c.Location}: no code transform named '{c.Name}'; registered: {(registry.Names.Count == 0 ? "none" : string.Join(", ", registry.Names))}");
}
