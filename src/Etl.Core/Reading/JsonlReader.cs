using System.Buffers;
using System.Text.Json;

namespace Etl.Core.Reading;

/// <summary>What a JSON lines record holds at a column's path.</summary>
public enum JsonlValueKind : byte
{
    /// <summary>The object has no field at the path.</summary>
    Missing,

    /// <summary>JSON <c>null</c>.</summary>
    Null,

    /// <summary>A string (unescaped), number, <c>true</c> or <c>false</c>, as UTF-8 text.</summary>
    Scalar,

    /// <summary>An object or array: its JSON text.</summary>
    Nested,

    /// <summary>A field on the way to the path is a scalar or array, not an object: the value is that field's JSON text.</summary>
    NotAnObject,
}

/// <summary>
/// A streaming JSON lines reader: one object per line, over a pooled buffer, each line parsed with
/// <see cref="Utf8JsonReader"/> into the values at the declared columns' paths (no DOM; a string is unescaped only when it
/// has escapes). Memory is bounded by the longest line. Fields the columns do not name are kept as (name, JSON text)
/// pairs for rescue. A line that is not a JSON object is reported through <see cref="Error"/>, not thrown, so the
/// caller can reject that row and go on.
/// </summary>
public sealed class JsonlReader : IDisposable, IFieldRecord
{
    private const int InitialBuffer = 1 << 20;

    /// <summary>The longest line accepted; past it the file is refused rather than growing the buffer without end.</summary>
    public const int MaxLineBytes = 256 << 20;

    private static readonly byte[] s_true = "true"u8.ToArray();
    private static readonly byte[] s_false = "false"u8.ToArray();

    private readonly Stream _stream;
    private readonly PathNode _root;
    private readonly int _columns;
    private byte[] _buffer;
    private byte[] _scratch;
    private int _scratchLength;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _first = true;
    private long _nextLine = 1;
    private readonly JsonlValueKind[] _kinds;
    private readonly int[] _valueStart;
    private readonly int[] _valueLength;
    private readonly bool[] _inScratch;
    private int _lineStart;
    private int _lineLength;
    private readonly List<(int NameStart, int NameLength, bool NameEscaped, int ValueStart, int ValueLength)> _extras = [];

    /// <summary>Creates a reader; <paramref name="stream"/> (UTF-8) is disposed with it.</summary>
    /// <param name="stream">The JSON lines text.</param>
    /// <param name="columns">Per column, the paths it may be found at (a name and its aliases, or one nested path), each as segments.</param>
    public JsonlReader(Stream stream, IReadOnlyList<IReadOnlyList<IReadOnlyList<string>>> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _columns = columns.Count;
        _root = new PathNode(Array.Empty<byte>(), -1);
        for (var c = 0; c < columns.Count; c++)
        {
            foreach (var path in columns[c])
            {
                var node = _root;
                for (var s = 0; s < path.Count; s++)
                {
                    node = node.Child(System.Text.Encoding.UTF8.GetBytes(path[s]), s == path.Count - 1 ? c : -1);
                }
            }
        }

        _kinds = new JsonlValueKind[_columns];
        _valueStart = new int[_columns];
        _valueLength = new int[_columns];
        _inScratch = new bool[_columns];
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        _scratch = ArrayPool<byte>.Shared.Rent(4096);
    }

    /// <summary>Physical line (1-based) of the current record.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes of the input consumed so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Byte offset in the input where the current line starts.</summary>
    public long LineOffset { get; private set; }

    /// <summary>Why the current line is not a usable JSON object; null when it is.</summary>
    public string? Error { get; private set; }

    /// <summary>
    /// The current line is the last of the input, has no line end, and stops inside its object: the file was cut off.
    /// <see cref="Error"/> says so as well.
    /// </summary>
    public bool Truncated { get; private set; }

    /// <summary>Fields of the current record that no column names (top level only).</summary>
    public int ExtraCount => _extras.Count;

    /// <summary>The current line's text (for messages).</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>What the current record holds for column <paramref name="column"/>, and its UTF-8 text.</summary>
    public JsonlValueKind GetValue(int column, out ReadOnlySpan<byte> value)
    {
        var kind = _kinds[column];
        value = kind is JsonlValueKind.Missing or JsonlValueKind.Null
            ? default
            : (_inScratch[column] ? _scratch : _buffer).AsSpan(_valueStart[column], _valueLength[column]);
        return kind;
    }

    /// <summary>The name of extra field <paramref name="index"/>, unescaped.</summary>
    public string GetExtraName(int index)
    {
        var e = _extras[index];
        var raw = _buffer.AsSpan(e.NameStart, e.NameLength);
        if (!e.NameEscaped)
        {
            return System.Text.Encoding.UTF8.GetString(raw);
        }

        // Re-read the quoted name as a JSON string to unescape it (rare: only names with escapes come here).
        var quoted = _buffer.AsSpan(e.NameStart - 1, e.NameLength + 2);
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return reader.GetString() ?? "";
    }

    /// <summary>The JSON text of extra field <paramref name="index"/>'s value.</summary>
    public ReadOnlySpan<byte> GetExtraValue(int index)
    {
        var e = _extras[index];
        return _buffer.AsSpan(e.ValueStart, e.ValueLength);
    }

    void IFieldRecord.WriteExtras(Utf8JsonWriter writer)
    {
        for (var i = 0; i < _extras.Count; i++)
        {
            var e = _extras[i];
            if (e.NameEscaped)
            {
                writer.WritePropertyName(GetExtraName(i));
            }
            else
            {
                writer.WritePropertyName(_buffer.AsSpan(e.NameStart, e.NameLength));
            }

            writer.WriteRawValue(_buffer.AsSpan(e.ValueStart, e.ValueLength), skipInputValidation: true);
        }
    }

    /// <summary>Reads the next non-blank line; false at the end of input.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0 || (_eof && _end > _start))
            {
                var length = newline >= 0 ? newline : _end - _start;
                var start = _start;
                LineNumber = _nextLine++;
                LineOffset = BytesRead;
                _start += newline >= 0 ? length + 1 : length;
                BytesRead += newline >= 0 ? length + 1 : length;
                var contentLength = length > 0 && _buffer[start + length - 1] == '\r' ? length - 1 : length;
                if (IsBlank(_buffer.AsSpan(start, contentLength)))
                {
                    continue;
                }

                _lineStart = start;
                _lineLength = contentLength;
                Parse(atEndWithoutNewline: newline < 0);
                return true;
            }

            if (_eof)
            {
                return false;
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Dispose();
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            ArrayPool<byte>.Shared.Return(_scratch);
            _buffer = [];
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        var pending = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
        }
        else if (pending == _buffer.Length)
        {
            if (_buffer.Length >= MaxLineBytes)
            {
                throw new JsonlFormatException($"Line {_nextLine} is longer than {MaxLineBytes:N0} bytes; a JSON lines file holds one object per line.", _nextLine);
            }

            var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, 0, bigger, 0, pending);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        _start = 0;
        _end = pending;
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            _eof = true;
        }

        _end += n;
        if (_first && _end >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
        {
            _start = 3;
            BytesRead = 3;
        }

        if (_end >= 3 || _eof)
        {
            _first = false;
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept((byte)' ', (byte)'\t', (byte)'\r') < 0;

    private void Parse(bool atEndWithoutNewline)
    {
        Array.Clear(_kinds);
        _extras.Clear();
        _scratchLength = 0;
        Error = null;
        Truncated = false;
        var line = _buffer.AsSpan(_lineStart, _lineLength);
        var first = line.IndexOfAnyExcept((byte)' ', (byte)'\t');
        if (line[first] != '{')
        {
            Error = $"is not a JSON object (it starts with '{(char)line[first]}'); each line must be one object";
            return;
        }

        // Not the final block: running out of bytes inside the object then shows as Read() returning false, which tells a
        // line cut off (a truncated file) from one that is malformed.
        var reader = new Utf8JsonReader(line, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 64 }));
        try
        {
            if (!reader.Read() || !ReadObject(ref reader, _root, depth: 0))
            {
                SetIncomplete(atEndWithoutNewline, reader.BytesConsumed);
                return;
            }

            var rest = line[(int)reader.BytesConsumed..];
            var junk = rest.IndexOfAnyExcept((byte)' ', (byte)'\t');
            if (junk >= 0)
            {
                Error = $"has more after the object's closing brace at byte {reader.BytesConsumed + junk + 1}; each line must be exactly one object";
            }
        }
        catch (JsonException ex)
        {
            var message = ex.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            Error = $"is not valid JSON at byte {(ex.BytePositionInLine ?? 0) + 1} of the line: {(cut > 0 ? message[..cut] : message)}";
        }
    }

    private void SetIncomplete(bool atEndWithoutNewline, long consumed)
    {
        Truncated = atEndWithoutNewline;
        Error = atEndWithoutNewline
            ? $"ends inside its JSON object after {consumed} bytes, at the end of the file: the file looks cut off"
            : "is not a complete JSON object: the line ends before the object is closed";
    }

    /// <summary>Reads the object the reader is at; false when the line ends inside it.</summary>
    private bool ReadObject(ref Utf8JsonReader reader, PathNode? node, int depth)
    {
        while (true)
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return true;
            }

            var nameStart = (int)reader.TokenStartIndex + 1;
            var nameLength = reader.ValueSpan.Length;
            var nameEscaped = reader.ValueIsEscaped;
            var child = node is null ? null : Match(ref reader, node);
            if (!reader.Read())
            {
                return false;
            }

            if (child is null)
            {
                var valueStart = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return false;
                }

                if (depth == 0)
                {
                    _extras.Add((_lineStart + nameStart, nameLength, nameEscaped, _lineStart + valueStart, (int)reader.BytesConsumed - valueStart));
                }

                continue;
            }

            if (child.Column >= 0)
            {
                if (!ReadValue(ref reader, child.Column))
                {
                    return false;
                }
            }
            else if (reader.TokenType == JsonTokenType.StartObject)
            {
                if (!ReadObject(ref reader, child, depth + 1))
                {
                    return false;
                }
            }
            else if (reader.TokenType != JsonTokenType.Null)
            {
                // A scalar or array where the paths expect an object: every column below it says so.
                var valueStart = (int)reader.TokenStartIndex;
                if (reader.TokenType == JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return false;
                }

                MarkNotAnObject(child, _lineStart + valueStart, (int)reader.BytesConsumed - valueStart);
            }
        }
    }

    private bool ReadValue(ref Utf8JsonReader reader, int column)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                _kinds[column] = JsonlValueKind.Null;
                return true;
            case JsonTokenType.String:
                _kinds[column] = JsonlValueKind.Scalar;
                if (reader.ValueIsEscaped)
                {
                    var needed = reader.ValueSpan.Length;
                    EnsureScratch(needed);
                    var written = reader.CopyString(_scratch.AsSpan(_scratchLength));
                    SetScratch(column, written);
                }
                else
                {
                    SetLine(column, (int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
                }

                return true;
            case JsonTokenType.Number:
                _kinds[column] = JsonlValueKind.Scalar;
                SetLine(column, (int)reader.TokenStartIndex, reader.ValueSpan.Length);
                return true;
            case JsonTokenType.True or JsonTokenType.False:
                _kinds[column] = JsonlValueKind.Scalar;
                var text = reader.TokenType == JsonTokenType.True ? s_true : s_false;
                EnsureScratch(text.Length);
                text.CopyTo(_scratch.AsSpan(_scratchLength));
                SetScratch(column, text.Length);
                return true;
            default:
                var start = (int)reader.TokenStartIndex;
                if (!reader.TrySkip())
                {
                    return false;
                }

                _kinds[column] = JsonlValueKind.Nested;
                SetLine(column, start, (int)reader.BytesConsumed - start);
                return true;
        }
    }

    private void SetLine(int column, int startInLine, int length)
    {
        _inScratch[column] = false;
        _valueStart[column] = _lineStart + startInLine;
        _valueLength[column] = length;
    }

    private void SetScratch(int column, int length)
    {
        _inScratch[column] = true;
        _valueStart[column] = _scratchLength;
        _valueLength[column] = length;
        _scratchLength += length;
    }

    private void EnsureScratch(int more)
    {
        if (_scratchLength + more > _scratch.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_scratch.Length * 2, _scratchLength + more));
            Buffer.BlockCopy(_scratch, 0, bigger, 0, _scratchLength);
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = bigger;
        }
    }

    private void MarkNotAnObject(PathNode node, int start, int length)
    {
        foreach (var child in node.Children)
        {
            if (child.Column >= 0)
            {
                _kinds[child.Column] = JsonlValueKind.NotAnObject;
                _inScratch[child.Column] = false;
                _valueStart[child.Column] = start;
                _valueLength[child.Column] = length;
            }
            else
            {
                MarkNotAnObject(child, start, length);
            }
        }
    }

    /// <summary>
    /// The child of <paramref name="node"/> named like the property the reader is at (ASCII case-insensitive, as CSV
    /// headers are). Fields usually come in the same order on every line, so the search starts after the last match.
    /// </summary>
    private static PathNode? Match(ref Utf8JsonReader reader, PathNode node)
    {
        var children = node.Children;
        if (children.Count == 0)
        {
            return null;
        }

        Span<byte> stack = stackalloc byte[256];
        scoped ReadOnlySpan<byte> name;
        if (reader.ValueIsEscaped)
        {
            if (reader.ValueSpan.Length > stack.Length)
            {
                name = reader.GetString() is { } s ? System.Text.Encoding.UTF8.GetBytes(s) : [];
            }
            else
            {
                name = stack[..reader.CopyString(stack)];
            }
        }
        else
        {
            name = reader.ValueSpan;
        }

        var from = node.LastHit + 1;
        for (var k = 0; k < children.Count; k++)
        {
            var i = (from + k) % children.Count;
            if (EqualsIgnoreAsciiCase(children[i].Name, name))
            {
                node.LastHit = i;
                return children[i];
            }
        }

        return null;
    }

    private static bool EqualsIgnoreAsciiCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x != y && ((x | 0x20) != (y | 0x20) || (uint)((x | 0x20) - 'a') > 'z' - 'a'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One segment of the declared paths: a column (a leaf) or an object holding columns.</summary>
    private sealed class PathNode(byte[] name, int column)
    {
        public byte[] Name { get; } = name;

        public int Column { get; set; } = column;

        public List<PathNode> Children { get; } = [];

        public int LastHit { get; set; } = -1;

        public PathNode Child(byte[] name, int column)
        {
            foreach (var c in Children)
            {
                if (EqualsIgnoreAsciiCase(c.Name, name))
                {
                    if (column >= 0)
                    {
                        c.Column = column;
                    }

                    return c;
                }
            }

            var node = new PathNode(name, column);
            Children.Add(node);
            return node;
        }
    }
}
