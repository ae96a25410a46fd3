using System.Collections.Concurrent;
using Etl.Core.Enrichment.Definition;
using Etl.Storage;

namespace Etl.Core.Enrichment.Reference;

/// <summary>
/// The reference tables of one run, read from the lake once and shared by every file (and every transform chain) of the
/// run. A key ending in '/' names a folder: the last object in key order is used (e.g. <c>reference/currency/</c> holding
/// <c>rates-2024-06-03.csv.gz</c>, <c>rates-2024-06-10.csv.gz</c>, ...).
/// </summary>
public sealed class ReferenceTables(IObjectStore lake, long maxBytes = 1L << 30)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<CurrencyRateTable>>> _rates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<LookupTable>>> _lookups = new(StringComparer.Ordinal);

    /// <summary>The rate table at <paramref name="key"/>.</summary>
    public Task<CurrencyRateTable> GetRatesAsync(string key, CancellationToken cancellationToken = default) =>
        _rates.GetOrAdd(key, k => new Lazy<Task<CurrencyRateTable>>(() => LoadRatesAsync(k, cancellationToken))).Value;

    /// <summary>The table a lookup needs (its key and columns).</summary>
    public Task<LookupTable> GetLookupAsync(LookupDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var columns = LookupTransform.TableColumns(definition);
        var id = $"{definition.Table}|{definition.TableKey}|{definition.MaxRows}|{string.Join(",", columns.Select(c => $"{c.Name}:{c.Type}"))}";
        return _lookups.GetOrAdd(id, _ => new Lazy<Task<LookupTable>>(() => LoadLookupAsync(definition, columns, cancellationToken))).Value;
    }

    private async Task<CurrencyRateTable> LoadRatesAsync(string key, CancellationToken cancellationToken)
    {
        var (resolved, stream) = await OpenAsync(key, "rates", cancellationToken).ConfigureAwait(false);
        return await CurrencyRateTable.LoadAsync(stream, resolved, 10_000_000, maxBytes, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LookupTable> LoadLookupAsync(LookupDefinition definition, IReadOnlyList<(string, Expressions.ExprType)> columns, CancellationToken cancellationToken)
    {
        var (resolved, stream) = await OpenAsync(definition.Table, "table", cancellationToken).ConfigureAwait(false);
        return await LookupTable.LoadAsync(stream, resolved, definition.TableKey, columns, definition.MaxRows, maxBytes, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(string Key, Stream Stream)> OpenAsync(string key, string setting, CancellationToken cancellationToken)
    {
        var resolved = key;
        if (key.EndsWith('/'))
        {
            string? last = null;
            await foreach (var info in lake.ListAsync(key, cancellationToken).ConfigureAwait(false))
            {
                last = info.Key;
            }

            resolved = last ?? throw new ReferenceDataException($"{lake.Description}/{key}: the folder holds no reference table; upload one or fix '{setting}:'.");
        }
        else if (await lake.GetInfoAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ReferenceDataException($"{lake.Description}/{key}: reference table not found; upload it or fix '{setting}:'.");
        }

        return (resolved, await lake.OpenReadAsync(resolved, null, cancellationToken).ConfigureAwait(false));
    }
}
