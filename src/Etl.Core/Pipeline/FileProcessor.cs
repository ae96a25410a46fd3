using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Reading;
using Etl.Core.Runs;
using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>
/// Processes one landed file version: read (CSV, .gz, .zip) -> map header -> type -> partition -> write Parquet, with
/// bad rows to rejects/ and unprocessable files to quarantine/. Never throws for bad data: the result says.
/// </summary>
internal sealed partial class FileProcessor(PipelineDefinition definition, IObjectStore store, TransformBinder transforms)
{
    private PipelineDefinition Definition => definition;

    private IObjectStore Store => store;

    private const int BatchRows = 8192;

    private long _rowsInFlight;

    /// <summary>
    /// Rows read so far by the files this processor is working on and has not finished: the live part of a run's
    /// progress, which the orchestrator's status (updated as each file's result is recorded) does not yet count.
    /// </summary>
    public long RowsInFlight => Volatile.Read(ref _rowsInFlight);

    /// <summary>Adds <paramref name="rows"/> (negative when a file finishes) to <see cref="RowsInFlight"/>.</summary>
    private void CountInFlight(long rows) => Interlocked.Add(ref _rowsInFlight, rows);

    /// <summary>Largest total uncompressed size of one landed .gz or .zip (all entries), against decompression bombs.</summary>
    public long MaxZipBytes => definition.MaxUncompressedBytes;

    /// <summary>Processes one file version; <paramref name="watermarks"/> are its late-row watermarks from the manifest.</summary>
    public async Task<FileResult> ProcessAsync(ProcessFileRequest request, ManifestRecord? previous, IReadOnlyDictionary<string, DateOnly> watermarks, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        var file = request.File;
        var ds = FindDataset(file.Dataset);
        var chain = await transforms.BindAsync(ds, watermarks, cancellationToken).ConfigureAwait(false);
        var state = new FileState(this, ds, request, CapturesOf(ds, file.Key), chain);
        try
        {
            return await ProcessAsync(state, previous, sw, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            state.EndProgress();
        }
    }

    private async Task<FileResult> ProcessAsync(FileState state, ManifestRecord? previous, Stopwatch sw, CancellationToken cancellationToken)
    {
        var file = state.Request.File;
        try
        {
            await ReadFileAsync(state, cancellationToken).ConfigureAwait(false);

            // Credit the rows only to the version that was discovered: a file replaced while it was read is left for the
            // next run, which sees the new version (locally the ETag is the content hash, so this also catches an
            // in-place rewrite; on S3 and Blob the ETag changes with every write).
            var now = await store.GetInfoAsync(file.Key, cancellationToken).ConfigureAwait(false);
            if (now is null || now.ETag != file.ETag || now.Size != file.Size)
            {
                await state.AbandonAsync().ConfigureAwait(false);
                var what = now is null ? "was deleted" : $"is now ETag {now.ETag}, {now.Size:N0} bytes";
                return new FileResult(file, FileStatus.Failed, state.RowsRead, 0, 0, Unwritten(state, "source_changed"), [], 0, sw.Elapsed.TotalMilliseconds,
                    $"{file.Key} changed while it was being read (discovered as ETag {file.ETag}, {file.Size:N0} bytes; it {what}). Nothing of it was written; the next run processes the version in landing/ then.",
                    SourceChanged: true);
            }

            state.CheckRejectLimit(file.Key, final: true);
            var outputs = await state.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (previous is not null)
            {
                foreach (var old in previous.Outputs)
                {
                    if (!outputs.Contains(old))
                    {
                        await store.DeleteAsync(old, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            var filtered = state.RowsFiltered.Values.Sum();
            if (state.RowsRead != state.RowsWritten + state.RowsRejected + filtered)
            {
                throw new InvalidOperationException($"Row accounting broken for {file.Key}: read {state.RowsRead} != written {state.RowsWritten} + rejected {state.RowsRejected} + filtered {filtered}. This is a bug.");
            }

            return new FileResult(file, FileStatus.Succeeded, state.RowsRead, state.RowsWritten, state.RowsRejected,
                state.RowsFiltered, outputs.Order(StringComparer.Ordinal).ToList(), state.BytesWritten, sw.Elapsed.TotalMilliseconds,
                Parts: state.Parts.Count > 0 ? state.Parts : null,
                ReferenceVersions: state.ReferenceVersions.Count > 0 ? state.ReferenceVersions : null,
                LatestPeriods: state.LatestPeriods(),
                Notes: state.Notes.Count > 0 ? state.Notes : null,
                Warnings: state.Warnings.Count > 0 ? state.Warnings : null);
        }
        catch (Exception ex) when (ex is QuarantineException or CsvFormatException or InvalidDataException)
        {
            await state.AbandonAsync().ConfigureAwait(false);
            var q = ex as QuarantineException;
            var line = q?.Line ?? (ex as CsvFormatException)?.Line;
            var fix = q?.Fix ?? (ex is InvalidDataException
                ? "The file is not a valid archive for its extension; re-export it, or rename it to match its content."
                : "Fix the file at that line and drop it again.");
            var reason = ex is InvalidDataException ? $"Cannot decompress {file.Key}: {ex.Message}" : ex.Message;
            await QuarantineAsync(state, reason, fix, q?.Missing, q?.Found, line, previous, cancellationToken).ConfigureAwait(false);
            return new FileResult(file, FileStatus.Quarantined, state.RowsRead, 0, 0, Unwritten(state, "file_quarantined"), [], 0,
                sw.Elapsed.TotalMilliseconds, $"{reason} {fix}{KeptOutputNote(state, previous)}");
        }
        catch (EtlException ex) when (ex is not PipelineDefinitionException and not LakeFencedException)
        {
            await state.AbandonAsync().ConfigureAwait(false);
            return new FileResult(file, FileStatus.Failed, state.RowsRead, 0, 0, Unwritten(state, "file_failed"), [], 0,
                sw.Elapsed.TotalMilliseconds, ex.Message + KeptOutputNote(state, previous), ex.IsTransient);
        }
        catch (IOException ex)
        {
            await state.AbandonAsync().ConfigureAwait(false);
            return new FileResult(file, FileStatus.Failed, state.RowsRead, 0, 0, Unwritten(state, "file_failed"), [], 0,
                sw.Elapsed.TotalMilliseconds, $"I/O error on {file.Key}: {ex.Message}{KeptOutputNote(state, previous)}", IsTransient: true);
        }
        catch
        {
            // Whatever else went wrong (a lost lake, a bug, cancellation), nothing of this attempt may become visible.
            await state.AbandonAsync().ConfigureAwait(false);
            throw;
        }
    }

    private DatasetDefinition FindDataset(string name)
    {
        foreach (var d in definition.Datasets)
        {
            if (d.Name == name)
            {
                return d;
            }
        }

        throw new PipelineDefinitionException(definition.SourcePath, [$"dataset '{name}' is not in the definition any more"]);
    }

    /// <summary>
    /// Rows read from a file that is quarantined or failed are written nowhere; they are counted under a named reason so
    /// that read = written + rejected + filtered holds for every file in the manifest, not only for the ones that succeeded.
    /// </summary>
    private static Dictionary<string, long> Unwritten(FileState state, string reason) =>
        state.RowsRead == 0 ? [] : new Dictionary<string, long>(StringComparer.Ordinal) { [reason] = state.RowsRead };

    private static Dictionary<string, string> CapturesOf(DatasetDefinition ds, string key)
    {
        var m = ds.MatchRegex.Match(key);
        var captures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in ds.Captures)
        {
            captures[name] = m.Groups[name].Value;
        }

        return captures;
    }

    private async Task ReadFileAsync(FileState state, CancellationToken cancellationToken)
    {
        var key = state.Request.File.Key;
        var raw = await store.OpenReadAsync(key, null, cancellationToken).ConfigureAwait(false);
        await using (raw.ConfigureAwait(false))
        {
            if (key.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                await ReadZipAsync(state, raw, cancellationToken).ConfigureAwait(false);
            }
            else if (key.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                var gz = GzipInput.Open(raw, key, state.Request.File.Size, MaxZipBytes);
                await using (gz.ConfigureAwait(false))
                {
                    await ReadEntryAsync(state, gz, key, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await ReadEntryAsync(state, raw, key, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ReadZipAsync(FileState state, Stream raw, CancellationToken cancellationToken)
    {
        // ZipArchive needs to seek; object-store streams can't, so spool to a temp file first.
        string? temp = null;
        Stream seekable = raw;
        if (!raw.CanSeek)
        {
            temp = Path.GetTempFileName();
            seekable = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            await raw.CopyToAsync(seekable, cancellationToken).ConfigureAwait(false);
            seekable.Position = 0;
        }

        try
        {
            using var zip = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: true);
            long total = 0;
            var any = false;

            // Declared sizes are checked first (cheap); the actual bytes are counted too, since headers can lie.
            var budget = new ExpansionBudget(MaxZipBytes);
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/'))
                {
                    continue;
                }

                if (entry.FullName.Contains("..", StringComparison.Ordinal) || entry.FullName.StartsWith('/') || entry.FullName.Contains('\\', StringComparison.Ordinal))
                {
                    throw new QuarantineException($"Zip entry '{entry.FullName}' has a path that could escape its folder; the archive is refused.", "Re-create the archive with plain relative entry names.");
                }

                if (!IsEntryOfFormat(state.Dataset, entry.Name))
                {
                    continue;
                }

                total += entry.Length;
                if (total > MaxZipBytes || (entry.CompressedLength > 0 && entry.Length / entry.CompressedLength > 1000))
                {
                    throw new QuarantineException($"Zip archive expands past the limit ({MaxZipBytes:N0} bytes, or more than 1000x an entry's compressed size); refused as a possible zip bomb.", "Split the archive, or raise the limit if the data is genuine.");
                }

                any = true;
                var part = state.Request.File.Key + "!" + entry.FullName;
                var limited = new ExpansionLimitStream(new ZipEntryCheckStream(entry.Open(), part, entry.Crc32, entry.Length), budget, part);
                var (read, written, rejected, filtered) = (state.RowsRead, state.RowsWritten, state.RowsRejected, state.RowsFiltered.Values.Sum());
                await using (limited.ConfigureAwait(false))
                {
                    await ReadEntryAsync(state, limited, part, cancellationToken).ConfigureAwait(false);
                }

                // Each CSV flushes its last batch before the next starts, so these deltas are exactly its own rows.
                state.Parts.Add(new FilePartResult(entry.FullName, state.RowsRead - read, state.RowsWritten - written, state.RowsRejected - rejected, state.RowsFiltered.Values.Sum() - filtered));
            }

            if (!any)
            {
                throw new QuarantineException($"The zip archive holds no {EntryExtensions(state.Dataset)} file.", "Put the data files in the archive, or drop them unzipped.");
            }
        }
        finally
        {
            if (temp is not null)
            {
                await seekable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task ReadCsvAsync(FileState state, Stream input, string source, CancellationToken cancellationToken)
    {
        var ds = state.Dataset;
        using var csv = new CsvReader(await InputChecks.CheckEncodingAsync(input, source, ds.Name, cancellationToken).ConfigureAwait(false), ds.Delimiter)
        {
            MaxRecordBytes = InputChecks.MaxRecordBytes(state.Processor.Definition.MaxValueBytes),
        };
        if (!await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new QuarantineException($"{source} is empty: there is no header row.", "Drop a file with a header row naming its columns.");
        }

        InputChecks.CheckHeader(csv, source);

        var header = new string[csv.FieldCount];
        for (var i = 0; i < header.Length; i++)
        {
            header[i] = csv.GetString(i).Trim();
        }

        var map = new int[ds.Columns.Count];
        var missing = new List<string>();
        var used = new bool[header.Length];
        for (var c = 0; c < ds.Columns.Count; c++)
        {
            var col = ds.Columns[c];
            map[c] = Array.FindIndex(header, h => h.Equals(col.Name, StringComparison.OrdinalIgnoreCase)
                || col.Aliases.Any(a => a.Equals(h, StringComparison.OrdinalIgnoreCase)));
            if (map[c] >= 0)
            {
                used[map[c]] = true;
            }
            else if (col.Required)
            {
                missing.Add(col.Name);
            }
        }

        if (missing.Count > 0)
        {
            throw new QuarantineException(
                $"{source} is missing required column(s) {string.Join(", ", missing)} for dataset '{ds.Name}'.",
                $"Add the column(s) to the file, or add the file's header name as an alias of the column in {Path.GetFileName(state.Processor.Definition.SourcePath)}.",
                missing, header);
        }

        var extras = Enumerable.Range(0, header.Length).Where(i => !used[i] && header[i].Length > 0).ToArray();
        if (extras.Length > 0 && ds.ExtraColumns == ExtraColumnsPolicy.RejectFile)
        {
            throw new QuarantineException(
                $"{source} has column(s) the dataset does not declare: {string.Join(", ", extras.Select(i => header[i]))} (extra_columns: reject_file).",
                "Remove the columns, declare them, or set extra_columns to rescue or drop.", null, header);
        }

        var rescueExtras = ds.ExtraColumns == ExtraColumnsPolicy.Rescue ? extras : [];
        state.BeginRejectSource(string.Join(ds.Delimiter, header));
        var maxValue = state.Processor.Definition.MaxValueBytes;
        var (readBefore, recordEnd) = (state.RowsRead, csv.BytesRead);
        try
        {
            while (await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                state.RowsRead++;
                var recordStart = recordEnd;
                recordEnd = csv.BytesRead;

                // Only a record longer than the limit can hold a value longer than it: one subtraction per row.
                if (recordEnd - recordStart > maxValue && InputChecks.OversizedField(csv, maxValue) is var big and >= 0)
                {
                    RejectAndCheck(state, source, csv, map, big < header.Length ? header[big] : $"field {big + 1}", $"({csv[big].Length:N0} bytes)", $"is longer than max_value_bytes ({maxValue:N0} bytes)");
                }
                else if (csv.FieldCount != header.Length)
                {
                    RejectAndCheck(state, source, csv, map, null, null, $"has {csv.FieldCount} fields; the header has {header.Length}");
                }
                else if (!state.TryAppendRow(csv, map, header, rescueExtras, out var badColumn, out var badValue, out var reason))
                {
                    RejectAndCheck(state, source, csv, map, badColumn, badValue, reason!);
                }

                // A batch also ends on rejects alone, so that a flood of bad rows is written as it comes, not held.
                if (state.PendingRejects >= BatchRows)
                {
                    await state.EndBatchAsync(source, cancellationToken).ConfigureAwait(false);
                }

                if (state.Batch.Columns.Count > 0 && state.Batch[0].Count >= BatchRows)
                {
                    await state.EndBatchAsync(source, cancellationToken).ConfigureAwait(false);
                }
            }

            await state.EndBatchAsync(source, cancellationToken).ConfigureAwait(false);
            await state.DrainAsync().ConfigureAwait(false);
            if (state.RowsRead == readBefore)
            {
                state.Warnings.Add($"{source} has a header and no data rows.");
            }
        }
        catch
        {
            // Nothing may still be writing when the caller abandons the file's outputs.
            await state.DrainQuietlyAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void RejectAndCheck(FileState state, string source, CsvReader csv, int[] map, string? column, string? value, string reason)
    {
        state.RejectRecord(source, csv, map, column, value, reason);
        state.CheckRejectLimit(source, final: false);
    }

    /// <summary>
    /// A file that fails or is quarantined after an earlier version of it succeeded leaves that version's output in place
    /// (the last good data, rather than none); the message says so, so that nobody mistakes it for the new version's.
    /// Not said once the commit began publishing: new outputs take the same keys, so that output may be partly replaced.
    /// </summary>
    private static string KeptOutputNote(FileState state, ManifestRecord? previous) =>
        previous is { Outputs.Count: > 0 } && !state.Publishing
            ? $" The output of the version committed by run {previous.RunId} ({previous.RowsWritten:N0} rows in {previous.Outputs.Count} file(s)) stays in processed/ until a version of this file succeeds."
            : "";

    private async Task QuarantineAsync(FileState state, string reason, string fix, IReadOnlyList<string>? missing, IReadOnlyList<string>? found, long? line, ManifestRecord? previous, CancellationToken cancellationToken)
    {
        var key = state.Request.File.Key;
        var rest = key.StartsWith("landing/", StringComparison.Ordinal) ? key["landing/".Length..] : key;
        var target = $"quarantine/{state.Dataset.Name}/{rest}";
        await store.CopyAsync(key, target, cancellationToken).ConfigureAwait(false);
        var sidecar = new QuarantineSidecar(key, state.Dataset.Name, reason, fix, missing, found, line, state.Request.RunId,
            previous is { Outputs.Count: > 0 } ? previous.Outputs : null);
        var json = JsonSerializer.SerializeToUtf8Bytes(sidecar, EtlJson.Default.QuarantineSidecar);
        await store.PutAsync(target + ".error.json", json, WriteCondition.None, cancellationToken).ConfigureAwait(false);
    }
}
