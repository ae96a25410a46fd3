using System.Text.Json;
using System.Text.Json.Serialization;
using Etl.Storage;

namespace Etl.Sources.Postgres;

/// <summary>
/// A table's extract state in <c>_meta/sources/&lt;dataset&gt;.json</c>. <see cref="Committed"/> is the watermark of the
/// extracts the manifest has recorded (the rows are accounted for in the lake); <see cref="Pending"/> are extracts
/// landed (or about to be) and not yet recorded, oldest first. A new extract continues from the last pending one, so
/// an extract landed by a run that stopped before its commit is neither lost nor extracted again.
/// </summary>
internal sealed record ExtractState(
    string Table,
    string Watermark,
    ExtractMark? Committed,
    IReadOnlyList<PendingExtract> Pending,
    DateTimeOffset? CheckedAt)
{
    public static string KeyOf(string dataset) => $"_meta/sources/{dataset}.json";

    /// <summary>Where the next extract starts: after the last pending extract, else after the committed one; null for a first, full extract.</summary>
    [JsonIgnore]
    public ExtractMark? Base => Pending.Count > 0 ? Pending[^1].Mark : Committed;

    public static async Task<ExtractState?> LoadAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, ExtractJson.Default.ExtractState, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            throw new EtlException($"{key} in {store.Description} is not a PostgreSQL extract state ({ex.Message}). If the dataset's source was changed from another kind, delete the file: the next run extracts the table in full.", ex);
        }
    }

    public Task SaveAsync(IObjectStore store, string key, CancellationToken cancellationToken) =>
        store.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(this, ExtractJson.Default.ExtractState), WriteCondition.None, cancellationToken);
}

/// <summary>
/// A position in a table: the highest watermark extracted (<see cref="High"/> as an ordinal: ticks for timestamps, the
/// day number for dates, the value for integers; <see cref="HighText"/> for people) and the row versions extracted
/// inside the overlap window below it (<see cref="Seen"/>: row key to an MD5 of the row), which the next extract
/// re-reads and skips when unchanged.
/// </summary>
internal sealed record ExtractMark(long High, string HighText, IReadOnlyDictionary<string, string> Seen);

/// <summary>An extract written to <see cref="Key"/> and not yet recorded by the manifest.</summary>
internal sealed record PendingExtract(string Key, ExtractMark Mark, long Rows, DateTimeOffset ExtractedAt);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExtractState))]
internal sealed partial class ExtractJson : JsonSerializerContext;
