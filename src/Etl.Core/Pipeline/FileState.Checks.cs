using System.Globalization;
using System.Text;
using Etl.Core.Reading;

namespace Etl.Core.Pipeline;

/// <summary>The file's guards against bad input: every bad column of a rejected row, the reject limit, warnings.</summary>
internal sealed partial class FileProcessor
{
    private sealed partial class FileState
    {
        private RejectRecord? _firstReject;
        private string? _headerForRejects;

        /// <summary>Things about the file worth a person's attention that did not stop it (e.g. a header and no rows).</summary>
        public List<string> Warnings { get; } = [];

        /// <summary>
        /// Rejects seen so far: those written plus those of the batch being filled. A lower bound while the other batch
        /// is being written (its pending rejects are not counted), exact after <see cref="DrainAsync"/>.
        /// </summary>
        public long RejectsSeen => RowsRejected + _slots[_filling].Rejects.Count;

        /// <summary>Rejects of the batch being filled, not yet written.</summary>
        public int PendingRejects => _slots[_filling].Rejects.Count;

        /// <summary>The next rejects of this CSV (a file, or one zip entry) carry its header, for rebuilding a fixed file.</summary>
        public void BeginRejectSource(string header) => _headerForRejects = header;

        /// <summary>
        /// Rejects the current record with every bad column, not only the first that stopped typing: the first problem is
        /// given; the columns after it are typed into the batch and rolled back again, only to collect their reasons.
        /// </summary>
        public void RejectRecord(string source, CsvReader csv, int[] map, string? firstColumn, string? firstValue, string reason)
        {
            List<RejectProblem>? problems = null;
            var columns = Dataset.Columns;
            var first = -1;
            for (var c = 0; c < columns.Count && firstColumn is not null; c++)
            {
                if (columns[c].Name == firstColumn)
                {
                    first = c;
                    break;
                }
            }

            if (first >= 0)
            {
                problems = [new RejectProblem(firstColumn!, firstValue ?? "", reason)];
                for (var c = first + 1; c < columns.Count; c++)
                {
                    var column = Batch[c];
                    var start = column.Count;
                    var raw = map[c] < 0 ? default : Typing.ValueParser.Trim(csv[map[c]]);
                    if (!TryAppendValue(column, columns[c], raw, out var why))
                    {
                        problems.Add(new RejectProblem(columns[c].Name, Encoding.UTF8.GetString(raw), why!));
                    }

                    column.Truncate(start);
                }
            }

            var record = RejectedRecordText.Format(csv, Dataset.Delimiter, out var truncated);
            var reject = new RejectRecord(source, csv.LineNumber, firstColumn, firstValue, reason, problems, record, truncated ? true : null, _headerForRejects);
            _headerForRejects = null;
            CheckFailFile(source, reject.Line, firstColumn, firstValue, problems is { Count: > 1 } ? $"{reason} (and {problems.Count - 1} more bad column(s): {string.Join(", ", problems.Skip(1).Select(p => p.Column))})" : reason);
            _firstReject ??= reject;
            _slots[_filling].Rejects.Add(reject);
        }

        /// <summary>
        /// Quarantines the file once its rejects pass the dataset's limits: the count as soon as it is passed (a flood
        /// stops early), the share when the file has been read (<paramref name="final"/>), since it can fall again.
        /// </summary>
        public void CheckRejectLimit(string source, bool final)
        {
            var rejected = RejectsSeen;
            if (rejected == 0)
            {
                return;
            }

            string? limit = null;
            if (Dataset.MaxRejects is { } max && rejected > max)
            {
                limit = string.Create(CultureInfo.InvariantCulture, $"more than {max:N0} rows rejected (max_rejects: {max})");
            }
            else if (final && Dataset.MaxRejectRatio is { } ratio && RowsRead > 0 && rejected > ratio * RowsRead)
            {
                limit = string.Create(CultureInfo.InvariantCulture, $"{rejected:N0} of {RowsRead:N0} rows rejected ({(double)rejected / RowsRead:P1}; max_reject_ratio: {ratio})");
            }

            if (limit is null)
            {
                return;
            }

            var example = _firstReject is { } r
                ? string.Create(CultureInfo.InvariantCulture, $" The first: line {r.Line}{(r.Column is null ? "" : $", column {r.Column}")}: {(r.Value is null ? r.Reason : $"value '{Shorten(r.Value)}' {r.Reason}")}.")
                : "";
            throw new QuarantineException(
                $"{source}: {limit}; past the dataset's reject limit the whole file is quarantined rather than loaded in part.{example}",
                "Fix the file (or its dataset's column types, if they are wrong for it) and drop it again; or raise max_rejects / max_reject_ratio for the dataset if so many bad rows are expected.",
                line: _firstReject?.Line);
        }

        private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "...";
    }
}
