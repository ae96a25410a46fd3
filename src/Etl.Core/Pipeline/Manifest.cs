using System.Text;
using System.Text.Json;
using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>
/// The manifest in <c>_meta/manifest/</c>: append-only segments, one per run (<c>&lt;runId&gt;.jsonl</c>). Run ids
/// sort by time, so the current state of a key is its record in the last segment that mentions it.
/// </summary>
public sealed class Manifest
{
    /// <summary>Folder of the segments.</summary>
    public const string Prefix = "_meta/manifest/";

    private readonly Dictionary<string, ManifestRecord> _latest;

    private Manifest(Dictionary<string, ManifestRecord> latest) => _latest = latest;

    /// <summary>The latest record per landed key.</summary>
    public IReadOnlyDictionary<string, ManifestRecord> Latest => _latest;

    /// <summary>The latest successful record for a key, if any (its outputs are what a reprocess replaces).</summary>
    public ManifestRecord? LastSucceeded(string key) => _lastSucceeded.GetValueOrDefault(key);

    private readonly Dictionary<string, ManifestRecord> _lastSucceeded = new(StringComparer.Ordinal);

    private readonly Dictionary<string, DateTimeOffset> _firstSucceeded = new(StringComparer.Ordinal);

    /// <summary>When <paramref name="key"/> first succeeded, or <see cref="DateTimeOffset.MaxValue"/> when it never did (the order of late-row watermarks).</summary>
    public DateTimeOffset FirstSucceeded(string key) => _firstSucceeded.TryGetValue(key, out var first) ? first : DateTimeOffset.MaxValue;

    /// <summary>
    /// Late-row watermarks for a file of <paramref name="dataset"/>: per key value, the day after the latest date committed
    /// by the files that came before it (rows dated before the watermark are late). Files are ordered by when they first succeeded, then by key; a file not yet processed comes
    /// after every processed one. The file's own earlier versions do not count, so reprocessing a file (after a
    /// definition change, or a corrected re-send) never drops its own rows as late.
    /// </summary>
    public Dictionary<string, DateOnly> Watermarks(string dataset, string key)
    {
        var result = new Dictionary<string, DateOnly>(StringComparer.Ordinal);
        var own = FirstSucceeded(key);
        foreach (var (other, record) in _lastSucceeded)
        {
            if (other == key || record.Dataset != dataset || record.LatestPeriods is null)
            {
                continue;
            }

            var otherFirst = _firstSucceeded[other];
            if (otherFirst > own || (otherFirst == own && string.CompareOrdinal(other, key) > 0))
            {
                continue;
            }

            foreach (var (k, text) in record.LatestPeriods)
            {
                if (DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day)
                    && (!result.TryGetValue(k, out var known) || day.AddDays(1) > known))
                {
                    result[k] = day.AddDays(1);
                }
            }
        }

        return result;
    }

    /// <summary>Reads and folds every segment.</summary>
    public static async Task<Manifest> LoadAsync(IObjectStore store, CancellationToken cancellationToken = default)
    {
        var segments = new List<string>();
        await foreach (var o in store.ListAsync(Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (o.Key.EndsWith(".jsonl", StringComparison.Ordinal))
            {
                segments.Add(o.Key);
            }
        }

        segments.Sort(StringComparer.Ordinal);
        var latest = new Dictionary<string, ManifestRecord>(StringComparer.Ordinal);
        var manifest = new Manifest(latest);
        foreach (var segment in segments)
        {
            var stream = await store.OpenReadAsync(segment, null, cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var lineNumber = 0;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                ManifestRecord? record;
                try
                {
                    record = JsonSerializer.Deserialize(line, EtlJson.Default.ManifestRecord);
                }
                catch (JsonException ex)
                {
                    throw new EtlException($"Manifest segment {segment} line {lineNumber} is not valid JSON ({ex.Message}). Segments are written whole by the pipeline; restore it from backup or delete it to reprocess the files it lists.", ex);
                }

                if (record is null)
                {
                    continue;
                }

                latest[record.Key] = record;
                if (record.Status == Runs.FileStatus.Succeeded)
                {
                    manifest._lastSucceeded[record.Key] = record;
                    manifest._firstSucceeded.TryAdd(record.Key, record.CommittedAt);
                }
            }
        }

        return manifest;
    }
}
