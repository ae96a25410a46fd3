namespace Etl.Core.Enrichment;

/// <summary>What happens to one row of a batch after the transforms ran.</summary>
public enum RowState : byte
{
    /// <summary>Written to the output.</summary>
    Kept,

    /// <summary>Dropped on purpose by a named filter (e.g. <c>late</c>); counted per filter name.</summary>
    Filtered,

    /// <summary>Written to rejects/ with a column and a reason.</summary>
    Rejected,
}

/// <summary>A row a transform rejected.</summary>
/// <param name="Row">Row index in the batch.</param>
/// <param name="Column">The column the problem is about.</param>
/// <param name="Reason">What is wrong, e.g. <c>no USD rate for EUR on or before 2024-03-01</c>.</param>
/// <param name="Code">
/// Set when the rejection depends on reference data (e.g. <c>missing_rate:reference/currency/rates.csv</c>): the engine
/// records it with the file, and retries the file when <see cref="TransformChain.ReferenceVersions"/> gives that code a
/// different content hash in a later run.
/// </param>
public readonly record struct RowRejection(int Row, string Column, string Reason, string? Code = null);

/// <summary>
/// The fate of every row of one batch, written by the transforms and read by the engine when it partitions and counts.
/// The first decision about a row wins: a row already filtered or rejected is not rejected again by a later transform.
/// Reused across batches; steady state allocates nothing (filter names are the callers' constant strings, and only a
/// rejection allocates its message).
/// </summary>
public sealed class RowDisposition
{
    private RowState[] _states = new RowState[1024];
    private string?[] _filterNames = new string?[1024];
    private readonly List<RowRejection> _rejections = [];
    private readonly Dictionary<string, long> _notes = new(StringComparer.Ordinal);
    private int _dropped;

    /// <summary>Rows in the current batch.</summary>
    public int RowCount { get; private set; }

    /// <summary>Rows still kept.</summary>
    public int KeptCount => RowCount - _dropped;

    /// <summary>The rejections of the current batch, in the order they were made.</summary>
    public IReadOnlyList<RowRejection> Rejections => _rejections;

    /// <summary>State of every row.</summary>
    public ReadOnlySpan<RowState> States => _states.AsSpan(0, RowCount);

    /// <summary>State of row <paramref name="row"/>.</summary>
    public RowState this[int row] => _states[row];

    /// <summary>Starts a batch of <paramref name="rowCount"/> rows, all kept.</summary>
    public void Reset(int rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        if (rowCount > _states.Length)
        {
            var size = Math.Max(rowCount, _states.Length * 2);
            _states = new RowState[size];
            _filterNames = new string?[size];
        }
        else
        {
            Array.Clear(_states, 0, RowCount);
            Array.Clear(_filterNames, 0, RowCount);
        }

        RowCount = rowCount;
        _dropped = 0;
        _rejections.Clear();
        _notes.Clear();
    }

    /// <summary>Whether row <paramref name="row"/> is still kept.</summary>
    public bool IsKept(int row) => _states[row] == RowState.Kept;

    /// <summary>The filter name of a filtered row, or null.</summary>
    public string? FilterName(int row) => _filterNames[row];

    /// <summary>Drops row <paramref name="row"/> as filtered by <paramref name="filter"/> (ignored when already dropped).</summary>
    public void Filter(int row, string filter)
    {
        ArgumentException.ThrowIfNullOrEmpty(filter);
        if (_states[row] != RowState.Kept)
        {
            return;
        }

        _states[row] = RowState.Filtered;
        _filterNames[row] = filter;
        _dropped++;
    }

    /// <summary>Rejects row <paramref name="row"/> (ignored when already dropped).</summary>
    public void Reject(int row, string column, string reason, string? code = null)
    {
        if (_states[row] != RowState.Kept)
        {
            return;
        }

        _states[row] = RowState.Rejected;
        _rejections.Add(new RowRejection(row, column, reason, code));
        _dropped++;
    }

    /// <summary>
    /// Counts of kept rows worth reporting in the run summary (e.g. <c>lookup stores: missing key kept with nulls</c>),
    /// for the current batch.
    /// </summary>
    public IReadOnlyDictionary<string, long> Notes => _notes;

    /// <summary>Adds <paramref name="count"/> to the note <paramref name="name"/> (a constant string of the caller).</summary>
    public void Note(string name, long count = 1)
    {
        if (count != 0)
        {
            _notes[name] = _notes.TryGetValue(name, out var n) ? n + count : count;
        }
    }

    /// <summary>Writes the indexes of the kept rows to <paramref name="rows"/> (cleared first), in order.</summary>
    public void GetKeptRows(List<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        rows.Clear();
        for (var i = 0; i < RowCount; i++)
        {
            if (_states[i] == RowState.Kept)
            {
                rows.Add(i);
            }
        }
    }

    /// <summary>Adds this batch's filtered-row counts per filter name to <paramref name="counts"/>.</summary>
    public void AddFilterCounts(IDictionary<string, long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        for (var i = 0; i < RowCount; i++)
        {
            if (_filterNames[i] is { } name)
            {
                counts[name] = counts.TryGetValue(name, out var n) ? n + 1 : 1;
            }
        }
    }
}
