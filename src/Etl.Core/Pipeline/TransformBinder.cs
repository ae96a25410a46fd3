using Etl.Core.Definition;
using Etl.Core.Enrichment;
using Etl.Core.Enrichment.Reference;
using Etl.Parquet;
using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>
/// Binds datasets' transform chains for one run (or one activity host): the reference tables are read from the lake
/// once and shared; a chain is bound per file because file-scoped steps keep per-file state.
/// </summary>
internal sealed class TransformBinder(PipelineDefinition definition, IObjectStore store)
{
    private readonly ReferenceTables _tables = new(store);
    private readonly TransformChainFactory _factory = new(definition.CodeTransforms);

    /// <summary>
    /// The dataset's chain, or null when it declares no transforms. A wrong transform is a
    /// <see cref="PipelineDefinitionException"/> naming file, line and column; a missing or bad reference table is a
    /// <see cref="ReferenceDataException"/>.
    /// </summary>
    public async Task<TransformChain?> BindAsync(DatasetDefinition dataset, IReadOnlyDictionary<string, DateOnly> watermarks, CancellationToken cancellationToken)
    {
        if (dataset.Transforms.Count == 0)
        {
            return null;
        }

        try
        {
            var context = new TransformBindContext(_tables, dataset.Captures, watermarks);
            return await _factory.CreateAsync(TypedSchema(dataset), dataset.Transforms, context, cancellationToken).ConfigureAwait(false);
        }
        catch (TransformDefinitionException ex)
        {
            throw new PipelineDefinitionException(definition.SourcePath, ex.Problems);
        }
    }

    /// <summary>The columns typing produces: the declared columns, then <c>_rescued</c> when extra columns are rescued.</summary>
    public static ParquetSchema TypedSchema(DatasetDefinition dataset)
    {
        var fields = dataset.Columns.Select(c => c.Field).ToList();
        if (dataset.ExtraColumns == ExtraColumnsPolicy.Rescue)
        {
            fields.Add(new ParquetField("_rescued", ParquetType.String));
        }

        return new ParquetSchema(fields);
    }
}
