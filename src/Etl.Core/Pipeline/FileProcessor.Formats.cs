using Etl.Core.Definition;
using Etl.Core.Reading;

namespace Etl.Core.Pipeline;

/// <summary>The dispatch on a dataset's declared format and encoding, and the JSON lines reading.</summary>
internal sealed partial class FileProcessor
{
    /// <summary>Reads one stream of the file (the file itself, its gunzipped content or one zip entry) in the dataset's format.</summary>
    private static async Task ReadEntryAsync(FileState state, Stream input, string source, CancellationToken cancellationToken)
    {
        var ds = state.Dataset;
        var text = ds.Encoding == TextEncoding.Utf8 ? input : new TranscodingReadStream(input, ds.Encoding, source);
        await using (text.ConfigureAwait(false))
        {
            switch (ds.Format)
            {
                case InputFormat.Jsonl:
                    await ReadJsonlAsync(state, text, source, cancellationToken).ConfigureAwait(false);
                    break;
                case InputFormat.Parquet:
                    await ReadParquetAsync(state, input, source, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await ReadCsvAsync(state, text, source, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Whether a zip entry holds data of the dataset's format (other entries, such as a readme, are skipped).</summary>
    private static bool IsEntryOfFormat(DatasetDefinition ds, string name) => ds.Format switch
    {
        InputFormat.Jsonl => name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".json", StringComparison.OrdinalIgnoreCase),
        InputFormat.Parquet => name.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase),
        _ => name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase),
    };

    private static string EntryExtensions(DatasetDefinition ds) => ds.Format switch
    {
        InputFormat.Jsonl => ".jsonl, .ndjson or .json",
        InputFormat.Parquet => ".parquet",
        _ => ".csv",
    };

    /// <summary>Per column, where the JSON lines reader looks for it: its path, or its name and aliases at the top level.</summary>
    private static List<IReadOnlyList<IReadOnlyList<string>>> JsonPaths(DatasetDefinition ds)
    {
        var paths = new List<IReadOnlyList<IReadOnlyList<string>>>(ds.Columns.Count);
        foreach (var col in ds.Columns)
        {
            if (col.Path is { } path)
            {
                paths.Add([path]);
            }
            else
            {
                var names = new List<IReadOnlyList<string>> { new[] { col.Name } };
                foreach (var alias in col.Aliases)
                {
                    names.Add(new[] { alias });
                }

                paths.Add(names);
            }
        }

        return paths;
    }

    private static async Task ReadJsonlAsync(FileState state, Stream input, string source, CancellationToken cancellationToken)
    {
        var ds = state.Dataset;
        using var json = new JsonlReader(input, JsonPaths(ds));
        try
        {
            while (await json.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                state.RowsRead++;
                if (json.Error is { } error)
                {
                    if (json.Truncated)
                    {
                        throw new QuarantineException(
                            $"{source} line {json.LineNumber} (byte offset {json.LineOffset:N0}) {error}.",
                            "Re-send the complete file; nothing of this version was published.", line: json.LineNumber);
                    }

                    state.Reject(source, json.LineNumber, null, Preview(json.Line), error);
                    continue;
                }

                if (json.ExtraCount > 0 && ds.ExtraColumns == ExtraColumnsPolicy.RejectFile)
                {
                    var names = new List<string>();
                    for (var i = 0; i < json.ExtraCount; i++)
                    {
                        names.Add(json.GetExtraName(i));
                    }

                    throw new QuarantineException(
                        $"{source} line {json.LineNumber} has field(s) the dataset does not declare: {string.Join(", ", names)} (extra_columns: reject_file).",
                        "Remove the fields, declare them, or set extra_columns to rescue or drop.", null, names, json.LineNumber);
                }

                if (!state.TryAppendRecord(json, out var badColumn, out var badValue, out var reason))
                {
                    state.Reject(source, json.LineNumber, badColumn, badValue, reason!);
                    continue;
                }

                if (state.Batch.Columns.Count > 0 && state.Batch[0].Count >= BatchRows)
                {
                    await state.EndBatchAsync(source, cancellationToken).ConfigureAwait(false);
                }
            }

            await state.EndBatchAsync(source, cancellationToken).ConfigureAwait(false);
            await state.DrainAsync().ConfigureAwait(false);
        }
        catch (JsonlFormatException ex)
        {
            await state.DrainQuietlyAsync().ConfigureAwait(false);
            throw new QuarantineException($"{source}: {ex.Message}", "Write one JSON object per line (is the file one pretty-printed JSON document?).", line: ex.Line);
        }
        catch
        {
            // Nothing may still be writing when the caller abandons the file's outputs.
            await state.DrainQuietlyAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A rejected line's text, cut short: the reject says where it is, the preview only helps to recognise it.</summary>
    private static string Preview(ReadOnlySpan<byte> line)
    {
        const int Max = 200;
        var text = System.Text.Encoding.UTF8.GetString(line.Length > Max ? line[..Max] : line);
        return line.Length > Max ? text + "..." : text;
    }
}
