using System.Security.Cryptography;
using System.Text;
using Etl.Core.Enrichment.Expressions;
using Etl.Core.Typing;
using Etl.Parquet;

namespace Etl.Core.Enrichment.Reference;

/// <summary>
/// A dimension table held in memory: one key column and typed value columns, loaded once per run and shared (read only)
/// by every file. Keys are matched exactly after trimming white space; integer keys match by value (<c>007</c> = 7).
/// </summary>
public sealed class LookupTable
{
    private readonly Utf8KeyMap<int> _keys;
    private readonly ColumnBuffer[] _columns;
    private Dictionary<long, int>? _integerKeys;

    private LookupTable(string source, string keyColumn, Utf8KeyMap<int> keys, ColumnBuffer[] columns, string hash)
    {
        Source = source;
        KeyColumn = keyColumn;
        _keys = keys;
        _columns = columns;
        ContentHash = hash;
    }

    /// <summary>Where the table came from.</summary>
    public string Source { get; }

    /// <summary>The key column's name in the table.</summary>
    public string KeyColumn { get; }

    /// <summary>Rows (distinct keys).</summary>
    public int RowCount => _keys.Count;

    /// <summary>The value columns, in the order asked for; row i belongs to the i-th key added.</summary>
    public IReadOnlyList<ColumnBuffer> Columns => _columns;

    /// <summary>SHA-256 (hex) of the key and value text of every row, in file order.</summary>
    public string ContentHash { get; }

    /// <summary>
    /// Loads a CSV or CSV.gz with a header: <paramref name="keyColumn"/> and the <paramref name="columns"/> (table column
    /// name and type). Empty values are nulls. More than <paramref name="maxRows"/> rows, a duplicate key, an empty key or
    /// a value of the wrong type is a <see cref="ReferenceDataException"/> naming the line.
    /// </summary>
    public static async Task<LookupTable> LoadAsync(
        Stream stream,
        string source,
        string keyColumn,
        IReadOnlyList<(string Name, ExprType Type)> columns,
        int maxRows = 1_000_000,
        long maxBytes = 1L << 30,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(columns);
        using var csv = await ReferenceCsv.OpenAsync(stream, source, maxBytes, cancellationToken).ConfigureAwait(false);
        var key = csv.Require("key", keyColumn);
        var indexes = new int[columns.Count];
        var buffers = new ColumnBuffer[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            indexes[i] = csv.Require($"'{columns[i].Name}'", columns[i].Name);
            buffers[i] = ColumnBuffer.Create(columns[i].Type.ToField(columns[i].Name), 1024);
        }

        var keys = new Utf8KeyMap<int>();
        var lines = new List<long>();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        while (await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var line = csv.Row.LineNumber;
            if (keys.Count >= maxRows)
            {
                throw new ReferenceDataException($"{source}: more than {maxRows:N0} rows (the limit for this lookup); raise 'max_rows' on the lookup or trim the table.");
            }

            var k = csv.Field(key);
            if (k.IsEmpty)
            {
                throw new ReferenceDataException($"{source}:{line}: the key '{keyColumn}' is empty; every row needs a key.");
            }

            if (!keys.TryAdd(k, keys.Count))
            {
                keys.TryGetValue(k, out var first);
                throw new ReferenceDataException($"{source}:{line}: key '{Encoding.UTF8.GetString(k)}' appears twice (also line {lines[first]}); keys must be unique.");
            }

            lines.Add(line);
            hash.AppendData(k);
            for (var i = 0; i < indexes.Length; i++)
            {
                var value = csv.Field(indexes[i]);
                hash.AppendData([0x1f]);
                hash.AppendData(value);
                if (!TryAppend(buffers[i], columns[i].Type, value))
                {
                    throw new ReferenceDataException($"{source}:{line}: '{columns[i].Name}' value '{Encoding.UTF8.GetString(value)}' is not a {columns[i].Type}.");
                }
            }

            hash.AppendData([0x1e]);
        }

        return new LookupTable(source, keyColumn, keys, buffers, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The row of a text key (trimmed by the caller), or -1.</summary>
    public int Find(ReadOnlySpan<byte> key) => _keys.TryGetValue(key, out var row) ? row : -1;

    /// <summary>The row of an integer key, or -1.</summary>
    public int Find(long key) => IntegerKeys.TryGetValue(key, out var row) ? row : -1;

    /// <summary>Keys that parse as integers, by value; built once, when a lookup on an integer column is bound.</summary>
    internal Dictionary<long, int> IntegerKeys
    {
        get
        {
            if (_integerKeys is null)
            {
                var map = new Dictionary<long, int>(_keys.Count);
                _keys.ForEach((k, row) =>
                {
                    if (ValueParser.TryParseInt64(k, out var v))
                    {
                        map.TryAdd(v, row);
                    }
                });
                Interlocked.CompareExchange(ref _integerKeys, map, null);
            }

            return _integerKeys;
        }
    }

    private static bool TryAppend(ColumnBuffer buffer, ExprType type, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            buffer.AppendNull();
            return true;
        }

        switch (type.Kind)
        {
            case ExprKind.String:
                ((StringColumn)buffer).Append(value);
                return true;
            case ExprKind.Int32 when ValueParser.TryParseInt32(value, out var i):
                ((Int32Column)buffer).Append(i);
                return true;
            case ExprKind.Int64 when ValueParser.TryParseInt64(value, out var l):
                ((Int64Column)buffer).Append(l);
                return true;
            case ExprKind.Double when ValueParser.TryParseDouble(value, out var d):
                ((DoubleColumn)buffer).Append(d);
                return true;
            case ExprKind.Boolean when ValueParser.TryParseBoolean(value, out var b):
                ((BooleanColumn)buffer).Append(b);
                return true;
            case ExprKind.Date when ValueParser.TryParseDate(value, "yyyy-MM-dd", out var days):
                ((Int32Column)buffer).Append(days);
                return true;
            case ExprKind.Timestamp when ValueParser.TryParseTimestamp(value, null, out var micros):
                ((Int64Column)buffer).Append(micros);
                return true;
            case ExprKind.Decimal when ValueParser.TryParseDecimal(value, type.Precision, type.Scale, out var unscaled, out _):
                ((DecimalColumn)buffer).Append(unscaled);
                return true;
            default:
                return false;
        }
    }
}
