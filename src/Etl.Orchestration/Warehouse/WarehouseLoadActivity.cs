using Etl.Storage;
using Etl.Warehouse;

namespace Etl.Orchestration.Warehouse;

/// <summary>
/// The orchestrator's optional last step: loads into the warehouse every committed file not yet loaded at its current
/// version (the run's files, and any an earlier failed load left behind), then builds the SQL models. Idempotent, so a
/// retried activity loads nothing twice.
/// </summary>
public sealed class WarehouseLoadActivity(WarehouseDefinition warehouse, IObjectStore store) : IWarehouseLoadActivity
{
    /// <inheritdoc />
    public async Task<WarehouseLoadResult> LoadAsync(WarehouseLoadRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var loader = new WarehouseLoader(warehouse.Options());
        await using (loader.ConfigureAwait(false))
        {
            var summary = await new CommittedFileLoader(loader, warehouse, store).LoadCommittedAsync(null, null, cancellationToken).ConfigureAwait(false);
            if (summary.Failures.Count > 0)
            {
                throw new WarehouseException($"{summary.Failures.Count} file(s) could not be loaded into the warehouse: {string.Join("; ", summary.Failures)}");
            }

            var models = warehouse.ModelsFolder is { } folder ? await loader.RunModelsAsync(folder, cancellationToken).ConfigureAwait(false) : [];
            return new WarehouseLoadResult(summary.FilesLoaded, summary.RowsLoaded, models);
        }
    }
}
