using System.Buffers;

namespace Etl.Core.Reading;

/// <summary>
/// A streaming CSV reader over UTF-8 bytes: quoted fields with doubled quotes, embedded delimiters and newlines, CRLF or
/// LF, a leading BOM. Fields are exposed as spans into a pooled buffer (no string per field); a record larger than the
/// buffer grows it. Memory is bounded by the largest record, not the file.
/// </summary>
public sealed class CsvReader : IDisposable
{
    private const int InitialBuffer = 1 << 20;
    private readonly Stream _stream;
    private readonly byte _delimiter;
    private readonly byte _quote;
    private byte[] _buffer;
    private byte[] _unescaped;
    private int _unescapedLength;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _first = true;
    private int[] _fieldStart = new int[64];
    private int[] _fieldLength = new int[64];
    private bool[] _fieldUnescaped = new bool[64];
    private long _line = 1;

    /// <summary>Creates a reader; <paramref name="stream"/> is disposed with it.</summary>
    public CsvReader(Stream stream, char delimiter = ',', char quote = '"')
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _delimiter = (byte)delimiter;
        _quote = (byte)quote;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        _unescaped = ArrayPool<byte>.Shared.Rent(4096);
    }

    /// <summary>Fields in the current record.</summary>
    public int FieldCount { get; private set; }

    /// <summary>Physical line (1-based) where the current record starts.</summary>
    public long LineNumber { get; private set; }

    /// <summary>
    /// Longest record accepted, in bytes (default 256 MiB): a file without line ends would otherwise grow the buffer
    /// until the process runs out of memory. A longer record is a <see cref="CsvFormatException"/>.
    /// </summary>
    public int MaxRecordBytes { get; init; } = 256 << 20;

    /// <summary>Bytes consumed so far (for progress).</summary>
    public long BytesRead { get; private set; }

    /// <summary>Field <paramref name="index"/> of the current record, unquoted.</summary>
    public ReadOnlySpan<byte> this[int index] => _fieldUnescaped[index]
        ? _unescaped.AsSpan(_fieldStart[index], _fieldLength[index])
        : _buffer.AsSpan(_fieldStart[index], _fieldLength[index]);

    /// <summary>Field as a string (for headers and error messages).</summary>
    public string GetString(int index) => System.Text.Encoding.UTF8.GetString(this[index]);

    /// <summary>Reads the next record; false at end of input. Blank lines are skipped.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryParseRecord())
            {
                if (FieldCount == 1 && _fieldLength[0] == 0 && !_fieldUnescaped[0])
                {
                    continue; // blank line
                }

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
            ArrayPool<byte>.Shared.Return(_unescaped);
            _buffer = [];
        }
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        // Move the unparsed tail to the front; grow when one record fills the whole buffer.
        var pending = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
        }
        else if (pending == _buffer.Length)
        {
            if (pending >= MaxRecordBytes)
            {
                throw new CsvFormatException($"Line {_line}: a record is longer than {MaxRecordBytes:N0} bytes without ending (no line end, or an unclosed quote). Check the file's line ends and quoting.", _line);
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
        }

        if (_end >= 3 || _eof)
        {
            _first = false;
        }
    }

    /// <summary>Parses one record from the buffer; false when it is incomplete (more input needed).</summary>
    private bool TryParseRecord()
    {
        if (_first)
        {
            return false;
        }

        var buf = _buffer;
        var pos = _start;
        var end = _end;
        if (pos >= end)
        {
            return false;
        }

        var fields = 0;
        var newlines = 0L;
        _unescapedLength = 0;
        while (true)
        {
            if (fields == _fieldStart.Length)
            {
                Array.Resize(ref _fieldStart, fields * 2);
                Array.Resize(ref _fieldLength, fields * 2);
                Array.Resize(ref _fieldUnescaped, fields * 2);
            }

            if (pos < end && buf[pos] == _quote)
            {
                // Quoted field: copy into the unescape buffer only if it has doubled quotes.
                var q = pos + 1;
                var hasEscapes = false;
                while (true)
                {
                    var next = Array.IndexOf(buf, _quote, q, end - q);
                    if (next < 0)
                    {
                        if (_eof)
                        {
                            throw new CsvFormatException($"Line {_line}: a quoted field is not closed before the end of the file. Close the quote or remove the stray '\"'.", _line);
                        }

                        return false;
                    }

                    if (next + 1 < end && buf[next + 1] == _quote)
                    {
                        hasEscapes = true;
                        q = next + 2;
                        continue;
                    }

                    if (next + 1 >= end && !_eof)
                    {
                        return false; // can't tell "" from " yet
                    }

                    newlines += CountNewlines(buf.AsSpan(pos + 1, next - pos - 1));
                    if (hasEscapes)
                    {
                        _fieldStart[fields] = _unescapedLength;
                        _fieldLength[fields] = Unescape(buf.AsSpan(pos + 1, next - pos - 1));
                        _fieldUnescaped[fields] = true;
                    }
                    else
                    {
                        _fieldStart[fields] = pos + 1;
                        _fieldLength[fields] = next - pos - 1;
                        _fieldUnescaped[fields] = false;
                    }

                    pos = next + 1;
                    break;
                }

                // After the closing quote: delimiter, newline, or end. Anything else is tolerated up to the delimiter.
                while (pos < end && buf[pos] != _delimiter && buf[pos] != (byte)'\n' && buf[pos] != (byte)'\r')
                {
                    pos++;
                }
            }
            else
            {
                var fieldStart = pos;
                var span = buf.AsSpan(pos, end - pos);
                var idx = span.IndexOfAny(_delimiter, (byte)'\n', (byte)'\r');
                if (idx < 0)
                {
                    if (!_eof)
                    {
                        return false;
                    }

                    idx = span.Length;
                }

                pos += idx;
                _fieldStart[fields] = fieldStart;
                _fieldLength[fields] = idx;
                _fieldUnescaped[fields] = false;
            }

            fields++;
            if (pos >= end)
            {
                if (!_eof)
                {
                    return false;
                }

                break;
            }

            var c = buf[pos];
            if (c == _delimiter)
            {
                pos++;
                if (pos >= end && _eof)
                {
                    // Trailing delimiter at end of file: one more empty field.
                    _fieldStart[fields] = pos;
                    _fieldLength[fields] = 0;
                    _fieldUnescaped[fields] = false;
                    fields++;
                    break;
                }

                continue;
            }

            if (c == (byte)'\r')
            {
                if (pos + 1 >= end && !_eof)
                {
                    return false;
                }

                pos += pos + 1 < end && buf[pos + 1] == (byte)'\n' ? 2 : 1;
            }
            else
            {
                pos++;
            }

            newlines++;
            break;
        }

        FieldCount = fields;
        LineNumber = _line;
        _line += newlines;
        BytesRead += pos - _start;
        _start = pos;
        return true;
    }

    private static int CountNewlines(ReadOnlySpan<byte> s)
    {
        var n = s.Count((byte)'\n');
        return n == 0 ? s.Count((byte)'\r') : n;
    }

    private int Unescape(ReadOnlySpan<byte> raw)
    {
        if (_unescaped.Length < _unescapedLength + raw.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_unescaped.Length * 2, _unescapedLength + raw.Length));
            Buffer.BlockCopy(_unescaped, 0, bigger, 0, _unescapedLength);
            ArrayPool<byte>.Shared.Return(_unescaped);
            _unescaped = bigger;
        }

        var dst = _unescaped.AsSpan(_unescapedLength);
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            dst[n++] = raw[i];
            if (raw[i] == _quote && i + 1 < raw.Length && raw[i + 1] == _quote)
            {
                i++;
            }
        }

        _unescapedLength += n;
        return n;
    }
}
