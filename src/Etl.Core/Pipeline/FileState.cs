using System.Text;
using System.Text.Json;
using Etl.Core.Definition;
using Etl.Core.Enrichment;
using Etl.Core.Reading;
using Etl.Core.Runs;
using Etl.Core.Typing;
using Etl.Parquet;
using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>The working state of one file: the typed batch, one Parquet writer per partition, rejects and counts.</summary>
internal sealed partial class FileProcessor
{
    private sealed partial class FileState
    {
        private readonly IReadOnlyDictionary<string, string> _captures;
        private readonly Dictionary<string, PartitionOutput> _outputs = new(StringComparer.Ordinal);
        private readonly StringBuilder _keyBuilder = new();
        private char[] _keyChars = new char[256];
        private readonly ParquetWriterOptions _writerOptions;
        private ObjectWriteStream? _rejects;
        private readonly int _rescuedIndex;
        private readonly long _bufferedRowBudget;
        private long _bufferedRows;
        private readonly TransformChain? _chain;
        private readonly RowDisposition _disposition = new();
        private readonly LateRowsTransform[] _lateRules;
        private readonly Dictionary<string, int> _latestDays = new(StringComparer.Ordinal);
        private readonly BatchSlot[] _slots;
        private int _filling;
        private Task? _flushing;
        private long _rowsCounted;

        public FileState(FileProcessor processor, DatasetDefinition dataset, ProcessFileRequest request, IReadOnlyDictionary<string, string> captures, TransformChain? chain)
        {
            Processor = processor;
            Dataset = dataset;
            Request = request;
            _captures = captures;
            _chain = chain;
            _lateRules = chain is null ? [] : [.. chain.Steps.OfType<LateRowsTransform>()];
            chain?.BeginFile(captures);
            var typed = TransformBinder.TypedSchema(dataset);
            var fields = typed.Fields;
            _rescuedIndex = dataset.ExtraColumns == ExtraColumnsPolicy.Rescue ? fields.Count - 1 : -1;
            var schema = chain?.OutputSchema ?? typed;
            _slots = [new BatchSlot(schema), new BatchSlot(schema)];
            _writerOptions = new ParquetWriterOptions { Compression = processor.Definition.Compression };

            // About 64 MB of typed values across all open row groups, at a rough 24 bytes per value.
            _bufferedRowBudget = Math.Max(BatchRows * 4, (64L << 20) / (24L * schema.Fields.Count));
            _writerOptions.KeyValueMetadata["etl.version"] = typeof(FileProcessor).Assembly.GetName().Version?.ToString() ?? "0";
            _writerOptions.KeyValueMetadata["etl.source"] = request.File.Key;
            // The size, not the ETag: ETags differ between stores, and the same input must give byte-identical Parquet on every store.
            _writerOptions.KeyValueMetadata["etl.source_size"] = request.File.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _writerOptions.KeyValueMetadata["etl.pipeline_version"] = request.PipelineVersion;
        }

        public FileProcessor Processor { get; }

        public DatasetDefinition Dataset { get; }

        public ProcessFileRequest Request { get; }

        /// <summary>
        /// The batch being filled by the reader. Two batches alternate: while the reader types rows into one, the other
        /// is transformed, partitioned and written on another thread (one flush at a time, in order).
        /// </summary>
        public ColumnBatch Batch => _slots[_filling].Batch;

        public long RowsRead { get; set; }

        /// <summary>Per-CSV counts when the file is a zip.</summary>
        public List<FilePartResult> Parts { get; } = [];

        public long RowsWritten { get; private set; }

        public long RowsRejected { get; private set; }

        public long BytesWritten { get; private set; }

        /// <summary>Rows dropped by a transform's named filter (e.g. late), per filter name.</summary>
        public Dictionary<string, long> RowsFiltered { get; } = new(StringComparer.Ordinal);

        /// <summary>Counts of kept rows the transforms noted (e.g. a lookup's missing keys kept with nulls).</summary>
        public Dictionary<string, long> Notes { get; } = new(StringComparer.Ordinal);

        /// <summary>Reject codes that depend on reference data, with the reference table's hash, for the rows rejected with them.</summary>
        public Dictionary<string, string> ReferenceVersions { get; } = new(StringComparer.Ordinal);

        /// <summary>For a late-rows rule: per key, the latest date written, as yyyy-MM-dd.</summary>
        public Dictionary<string, string>? LatestPeriods()
        {
            if (_latestDays.Count == 0)
            {
                return null;
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, day) in _latestDays)
            {
                result[key] = DateOnly.FromDayNumber(ValueParser.EpochDayNumber + day).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            }

            return result;
        }

        /// <summary>Types one record into the batch; on failure the row is rolled back and the reason returned.</summary>
        public bool TryAppendRow(CsvReader csv, int[] map, string[] header, int[] rescue, out string? badColumn, out string? badValue, out string? reason)
        {
            var start = Batch.Columns.Count == 0 ? 0 : Batch[0].Count;
            var columns = Dataset.Columns;
            for (var c = 0; c < columns.Count; c++)
            {
                var def = columns[c];
                var raw = map[c] < 0 ? default : ValueParser.Trim(csv[map[c]]);
                if (!TryAppendValue(Batch[c], def, raw, out reason))
                {
                    for (var k = 0; k <= c; k++)
                    {
                        Batch[k].Truncate(start);
                    }

                    badColumn = def.Name;
                    badValue = Encoding.UTF8.GetString(raw);
                    return false;
                }
            }

            var slot = _slots[_filling];
            if (start >= slot.Lines.Length)
            {
                Array.Resize(ref slot.Lines, slot.Lines.Length * 2);
            }

            slot.Lines[start] = csv.LineNumber;
            if (_rescuedIndex >= 0)
            {
                var col = (StringColumn)Batch[_rescuedIndex];
                if (rescue.Length == 0)
                {
                    col.AppendNull();
                }
                else
                {
                    col.Append(RescueJson(csv, header, rescue));
                }
            }

            badColumn = null;
            badValue = null;
            reason = null;
            return true;
        }

        /// <summary>
        /// Finishes the filled batch on the reader's side (transforms, partition routing) and hands it to the writer side,
        /// then switches the reader to the other batch once the previous flush is done (its failure surfaces here).
        /// Call <see cref="DrainAsync"/> after the last batch.
        /// </summary>
        public async Task EndBatchAsync(string source, CancellationToken cancellationToken)
        {
            Processor.CountInFlight(RowsRead - _rowsCounted);
            _rowsCounted = RowsRead;
            var slot = _slots[_filling];
            Prepare(slot, source);
            await DrainAsync().ConfigureAwait(false);
            _filling = 1 - _filling;
            _flushing = Task.Run(() => FlushSlotAsync(slot, cancellationToken), cancellationToken);
        }

        /// <summary>The file is finished (whatever its outcome): its rows leave the processor's in-flight count.</summary>
        public void EndProgress()
        {
            Processor.CountInFlight(-_rowsCounted);
            _rowsCounted = 0;
        }

        /// <summary>Waits for the flush in progress; its failure is thrown here.</summary>
        public async Task DrainAsync()
        {
            if (_flushing is { } flushing)
            {
                _flushing = null;
                await flushing.ConfigureAwait(false);
            }
        }

        /// <summary>After a failure: waits for the flush in progress so nothing writes while the file is abandoned.</summary>
        public async Task DrainQuietlyAsync()
        {
            try
            {
                await DrainAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The reader's own failure is the one reported; this flush's outputs are abandoned with it.
            }
        }

        /// <summary>Reader side: runs the transforms and groups the kept rows by partition path.</summary>
        private void Prepare(BatchSlot slot, string source)
        {
            var batch = slot.Batch;
            var rows = batch.Columns.Count == 0 ? 0 : batch[0].Count;
            foreach (var list in slot.Partitions.Values)
            {
                list.Clear();
            }

            slot.Kept.Clear();
            if (rows == 0)
            {
                return;
            }

            var kept = ApplyTransforms(slot, source, rows);
            if (Dataset.PartitionBy.Count == 0)
            {
                if (!slot.Partitions.TryGetValue("", out var all))
                {
                    all = [];
                    slot.Partitions[""] = all;
                }

                all.AddRange(kept);
                return;
            }

            // The path is built in a reused buffer and looked up as a span: a string is made once per partition, not per row.
            var lookup = slot.Partitions.GetAlternateLookup<ReadOnlySpan<char>>();
            foreach (var r in kept)
            {
                PartitionPath.AppendRow(Dataset, batch, r, _captures, _keyBuilder);
                var length = _keyBuilder.Length;
                if (_keyChars.Length < length)
                {
                    _keyChars = new char[Math.Max(length, _keyChars.Length * 2)];
                }

                _keyBuilder.CopyTo(0, _keyChars, 0, length);
                var span = _keyChars.AsSpan(0, length);
                if (!lookup.TryGetValue(span, out var list))
                {
                    list = [];
                    slot.Partitions[span.ToString()] = list;
                }

                list.Add(r);
            }
        }

        /// <summary>Writer side: the batch's rejects (typing first, then transforms, as one thread would), then its rows.</summary>
        private async Task FlushSlotAsync(BatchSlot slot, CancellationToken cancellationToken)
        {
            foreach (var r in slot.Rejects)
            {
                await WriteRejectAsync(r, cancellationToken).ConfigureAwait(false);
            }

            slot.Rejects.Clear();
            var batch = slot.Batch;
            foreach (var (key, list) in slot.Partitions)
            {
                if (list.Count == 0)
                {
                    continue;
                }

                var output = _outputs.TryGetValue(key, out var open) ? open : await OpenOutputAsync(key, cancellationToken).ConfigureAwait(false);
                output.Writer.Write(batch, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
                output.BufferedRows += list.Count;
                _bufferedRows += list.Count;
            }

            RowsWritten += slot.Kept.Count;
            if (_bufferedRows > _bufferedRowBudget)
            {
                FlushLargestRowGroups();
            }

            batch.Clear();
        }

        /// <summary>
        /// Runs the dataset's transforms over the batch: rejected rows go to rejects/ with their source line, filtered ones
        /// are counted by filter name; returns the indexes of the rows to write.
        /// </summary>
        private List<int> ApplyTransforms(BatchSlot slot, string source, int rows)
        {
            var kept = slot.Kept;
            kept.Clear();
            if (_chain is null)
            {
                for (var r = 0; r < rows; r++)
                {
                    kept.Add(r);
                }

                return kept;
            }

            var batch = slot.Batch;
            _chain.Apply(batch, _disposition);
            _disposition.AddFilterCounts(RowsFiltered);
            foreach (var (name, count) in _disposition.Notes)
            {
                Notes[name] = Notes.GetValueOrDefault(name) + count;
            }

            if (_disposition.Rejections.Count > 0)
            {
                var versions = _chain.ReferenceVersions;
                foreach (var reject in _disposition.Rejections)
                {
                    if (reject.Code is not null && versions.TryGetValue(reject.Code, out var hash))
                    {
                        ReferenceVersions[reject.Code] = hash;
                    }

                    var line = slot.Lines[reject.Row];
                    CheckFailFile(source, line, reject.Column, null, reject.Reason);
                    slot.Rejects.Add(new RejectRecord(source, line, reject.Column, null, reject.Reason));
                }
            }

            foreach (var late in _lateRules)
            {
                late.ObserveKept(batch, _disposition, _latestDays);
            }

            _disposition.GetKeptRows(kept);
            return kept;
        }

        /// <summary>
        /// A row the reader could not type: under on_bad_rows: fail_file the file is quarantined now; otherwise the reject
        /// is written, in order, when its batch is flushed.
        /// </summary>
        public void Reject(string source, long line, string? column, string? value, string reason)
        {
            CheckFailFile(source, line, column, value, reason);
            _slots[_filling].Rejects.Add(new RejectRecord(source, line, column, value, reason));
        }

        private void CheckFailFile(string source, long line, string? column, string? value, string reason)
        {
            if (Dataset.OnBadRows == BadRowsPolicy.FailFile)
            {
                throw new QuarantineException(
                    $"{source} line {line}{(column is null ? "" : $", column {column}")}: {(value is null ? reason : $"value '{value}' {reason}")} (on_bad_rows: fail_file).",
                    "Fix the row and drop the file again, or set on_bad_rows: reject to keep the good rows.", line: line);
            }
        }

        private async Task WriteRejectAsync(RejectRecord record, CancellationToken cancellationToken)
        {
            RowsRejected++;
            _rejects ??= await Processor.Store.OpenWriteAsync($"rejects/{Dataset.Name}/{Request.File.SourceId}.jsonl", WriteCondition.None, cancellationToken).ConfigureAwait(false);
            var json = JsonSerializer.SerializeToUtf8Bytes(record, EtlJson.Default.RejectRecord);
            await _rejects.WriteAsync(json, cancellationToken).ConfigureAwait(false);
            _rejects.WriteByte((byte)'\n');
        }

        /// <summary>Closes and publishes every output; returns their keys.</summary>
        /// <summary>Whether the commit has begun publishing: from then on, the previous version's output may be replaced.</summary>
        public bool Publishing { get; private set; }

        public async Task<HashSet<string>> CommitAsync(CancellationToken cancellationToken)
        {
            // Close every writer before publishing any output, so that a failure while encoding publishes nothing.
            foreach (var output in _outputs.Values)
            {
                await output.Writer.CloseAsync(cancellationToken).ConfigureAwait(false);
                BytesWritten += output.Writer.BytesWritten;
            }

            Publishing = true;
            var keys = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (var output in _outputs.Values)
                {
                    await output.Stream.CommitAsync(cancellationToken).ConfigureAwait(false);
                    keys.Add(output.Key);
                    await output.Stream.DisposeAsync().ConfigureAwait(false);
                }
            }
            catch
            {
                // Roll back what this attempt published, so processed/ holds nothing of a version that is not committed.
                foreach (var key in keys)
                {
                    try
                    {
                        await Processor.Store.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is EtlException or IOException or UnauthorizedAccessException)
                    {
                        // The next run's Discover sweeps outputs that no manifest record names.
                    }
                }

                throw;
            }

            _outputs.Clear();
            var rejectsKey = $"rejects/{Dataset.Name}/{Request.File.SourceId}.jsonl";
            if (_rejects is not null)
            {
                await _rejects.CommitAsync(cancellationToken).ConfigureAwait(false);
                await _rejects.DisposeAsync().ConfigureAwait(false);
                _rejects = null;
            }
            else
            {
                // A clean new version leaves no rejects from the previous one behind.
                await Processor.Store.DeleteAsync(rejectsKey, cancellationToken).ConfigureAwait(false);
            }

            return keys;
        }

        /// <summary>Drops everything written so far: nothing of a failed attempt becomes visible.</summary>
        public async Task AbandonAsync()
        {
            foreach (var output in _outputs.Values)
            {
                await output.Stream.DisposeAsync().ConfigureAwait(false);
            }

            _outputs.Clear();
            if (_rejects is not null)
            {
                await _rejects.DisposeAsync().ConfigureAwait(false);
                _rejects = null;
            }
        }

        private static bool TryAppendValue(ColumnBuffer column, ColumnDefinition def, ReadOnlySpan<byte> raw, out string? reason)
        {
            reason = null;
            if (raw.IsEmpty)
            {
                if (def.Required)
                {
                    reason = "is empty but the column is required";
                    return false;
                }

                column.AppendNull();
                return true;
            }

            switch (def.Field.Type)
            {
                case ParquetType.String:
                    if (def.MaxLength is { } max && Encoding.UTF8.GetCharCount(raw) > max)
                    {
                        reason = $"is longer than max_length {max}";
                        return false;
                    }

                    if (!System.Text.Unicode.Utf8.IsValid(raw))
                    {
                        reason = "is not valid UTF-8";
                        return false;
                    }

                    ((StringColumn)column).Append(raw);
                    return true;
                case ParquetType.Int32:
                    if (ValueParser.TryParseInt32(raw, out var i32))
                    {
                        ((Int32Column)column).Append(i32);
                        return true;
                    }

                    reason = RejectReasons.NotInt32;
                    return false;
                case ParquetType.Int64:
                    if (ValueParser.TryParseInt64(raw, out var i64))
                    {
                        ((Int64Column)column).Append(i64);
                        return true;
                    }

                    reason = RejectReasons.NotInt64;
                    return false;
                case ParquetType.Double:
                    if (ValueParser.TryParseDouble(raw, out var d))
                    {
                        ((DoubleColumn)column).Append(d);
                        return true;
                    }

                    reason = RejectReasons.NotANumber;
                    return false;
                case ParquetType.Boolean:
                    if (ValueParser.TryParseBoolean(raw, out var b))
                    {
                        ((BooleanColumn)column).Append(b);
                        return true;
                    }

                    reason = "is not true/false";
                    return false;
                case ParquetType.Date:
                    if (ValueParser.TryParseDate(raw, def.Format, out var days))
                    {
                        ((Int32Column)column).Append(days);
                        return true;
                    }

                    reason = $"is not a date in the format {def.Format ?? "yyyy-MM-dd"}";
                    return false;
                case ParquetType.Timestamp:
                    if (ValueParser.TryParseTimestamp(raw, def.Format, out var micros))
                    {
                        ((Int64Column)column).Append(micros);
                        return true;
                    }

                    reason = $"is not a timestamp{(def.Format is null ? "" : " in the format " + def.Format)}";
                    return false;
                case ParquetType.Decimal:
                    if (ValueParser.TryParseDecimal(raw, def.Field.Precision, def.Field.Scale, out var unscaled, out var problem))
                    {
                        ((DecimalColumn)column).Append(unscaled);
                        return true;
                    }

                    reason = problem;
                    return false;
                default:
                    reason = "has an unsupported type";
                    return false;
            }
        }

        private static string RescueJson(CsvReader csv, string[] header, int[] rescue)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms))
            {
                w.WriteStartObject();
                foreach (var i in rescue)
                {
                    w.WriteString(header[i], csv.GetString(i));
                }

                w.WriteEndObject();
            }

            return Encoding.UTF8.GetString(ms.ToArray());
        }

        private async Task<PartitionOutput> OpenOutputAsync(string partition, CancellationToken cancellationToken)
        {
            var folder = partition.Length == 0 ? $"processed/{Dataset.Name}" : $"processed/{Dataset.Name}/{partition}";
            var key = $"{folder}/part-{Request.File.SourceId}.parquet";
            var stream = await Processor.Store.OpenWriteAsync(key, WriteCondition.None, cancellationToken).ConfigureAwait(false);
            var output = new PartitionOutput(key, stream, new ParquetFileWriter(stream, _slots[0].Batch.Schema, _writerOptions, leaveOpen: true));
            _outputs[partition] = output;
            return output;
        }

        /// <summary>
        /// Each partition's writer holds its open row group in memory, and a file with many partitions (185 countries)
        /// would otherwise hold all of its rows until close. Above the budget, the partitions holding the most rows
        /// close their row groups, so memory stays bounded by the budget, not by the file's size.
        /// </summary>
        private void FlushLargestRowGroups()
        {
            var target = _bufferedRowBudget / 2;
            var byRows = new List<PartitionOutput>(_outputs.Values);
            byRows.Sort(static (a, b) => b.BufferedRows.CompareTo(a.BufferedRows));
            foreach (var output in byRows)
            {
                if (_bufferedRows <= target)
                {
                    break;
                }

                output.Writer.FlushRowGroup();
                _bufferedRows -= output.BufferedRows;
                output.BufferedRows = 0;
            }
        }

        /// <summary>A batch with the source line of each of its rows and the rejects the reader found while filling it.</summary>
        private sealed class BatchSlot(ParquetSchema schema)
        {
            public ColumnBatch Batch { get; } = new(schema, BatchRows);

            public long[] Lines = new long[BatchRows];

            public List<RejectRecord> Rejects { get; } = [];

            /// <summary>Rows the transforms kept, and the same rows grouped by partition path.</summary>
            public List<int> Kept { get; } = [];

            public Dictionary<string, List<int>> Partitions { get; } = new(StringComparer.Ordinal);
        }

        private sealed class PartitionOutput(string key, ObjectWriteStream stream, ParquetFileWriter writer)
        {
            public string Key { get; } = key;

            public ObjectWriteStream Stream { get; } = stream;

            public ParquetFileWriter Writer { get; } = writer;

            /// <summary>Rows in the writer's open row group (as far as this file knows: the writer may have closed it by size).</summary>
            public long BufferedRows { get; set; }
        }
    }
}
