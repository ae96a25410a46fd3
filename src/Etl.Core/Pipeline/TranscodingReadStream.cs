using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Etl.Core.Definition;

namespace Etl.Core.Pipeline;

/// <summary>
/// Reads a Latin-1, Windows-1252 or UTF-16 stream as UTF-8, converting one pooled chunk at a time, so the readers
/// (which work on UTF-8 bytes) see the same text whatever the declared encoding. A byte sequence that is not valid in
/// the declared encoding quarantines the file with its byte offset, rather than being replaced and loading wrong text.
/// </summary>
internal sealed class TranscodingReadStream : Stream
{
    private const int Chunk = 1 << 16;

    // Windows-1252's 0x80-0x9F; the other bytes are Latin-1. Zero marks the five bytes the code page leaves undefined.
    private static readonly char[] s_cp1252High =
    [
        '\u20AC', '\0', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021', '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\0', '\u017D', '\0',
        '\0', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014', '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\0', '\u017E', '\u0178',
    ];

    private readonly Stream _inner;
    private readonly TextEncoding _encoding;
    private readonly string _source;
    private byte[] _in;
    private byte[] _out;
    private char[] _chars;
    private int _inStart;
    private int _inEnd;
    private int _outStart;
    private int _outEnd;
    private long _consumed;
    private bool _innerEof;
    private bool _bomChecked;
    private bool _bigEndian;

    public TranscodingReadStream(Stream inner, TextEncoding encoding, string source)
    {
        _inner = inner;
        _encoding = encoding;
        _source = source;
        _bigEndian = encoding == TextEncoding.Utf16BigEndian;
        _in = ArrayPool<byte>.Shared.Rent(Chunk);
        _out = ArrayPool<byte>.Shared.Rent(Chunk * 3);
        _chars = encoding is TextEncoding.Utf16 or TextEncoding.Utf16BigEndian or TextEncoding.Utf16LittleEndian ? ArrayPool<char>.Shared.Rent(Chunk / 2) : [];
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_outStart == _outEnd)
        {
            if (Convert())
            {
                continue;
            }

            if (_innerEof)
            {
                return 0;
            }

            Compact();
            var n = _inner.Read(_in.AsSpan(_inEnd));
            Received(n);
        }

        return CopyOut(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_outStart == _outEnd)
        {
            if (Convert())
            {
                continue;
            }

            if (_innerEof)
            {
                return 0;
            }

            Compact();
            var n = await _inner.ReadAsync(_in.AsMemory(_inEnd), cancellationToken).ConfigureAwait(false);
            Received(n);
        }

        return CopyOut(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _in.Length > 0)
        {
            _inner.Dispose();
            ArrayPool<byte>.Shared.Return(_in);
            ArrayPool<byte>.Shared.Return(_out);
            if (_chars.Length > 0)
            {
                ArrayPool<char>.Shared.Return(_chars);
            }

            _in = [];
            _out = [];
            _chars = [];
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_in.Length > 0)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }

        Dispose(true);
        GC.SuppressFinalize(this);
    }

    private int CopyOut(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _outEnd - _outStart);
        _out.AsSpan(_outStart, n).CopyTo(buffer);
        _outStart += n;
        return n;
    }

    private void Compact()
    {
        var pending = _inEnd - _inStart;
        if (_inStart > 0)
        {
            Buffer.BlockCopy(_in, _inStart, _in, 0, pending);
            _inStart = 0;
            _inEnd = pending;
        }
    }

    private void Received(int n)
    {
        if (n == 0)
        {
            _innerEof = true;
        }

        _inEnd += n;
    }

    /// <summary>Converts the pending input into the output buffer; false when there was nothing it could convert yet.</summary>
    private bool Convert()
    {
        _outStart = 0;
        _outEnd = 0;
        if (_inStart == _inEnd)
        {
            return false;
        }

        return _encoding is TextEncoding.Latin1 or TextEncoding.Windows1252 ? ConvertSingleByte() : ConvertUtf16();
    }

    private bool ConvertSingleByte()
    {
        var input = _in.AsSpan(_inStart, _inEnd - _inStart);
        var output = _out.AsSpan();
        var o = 0;
        var cp1252 = _encoding == TextEncoding.Windows1252;
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (b < 0x80)
            {
                output[o++] = b;
                continue;
            }

            var ch = cp1252 && b < 0xA0 ? s_cp1252High[b - 0x80] : (char)b;
            if (ch == '\0')
            {
                Invalid(_consumed + i, $"byte 0x{b:X2} is not defined in windows-1252");
            }

            if (ch < 0x800)
            {
                output[o++] = (byte)(0xC0 | (ch >> 6));
                output[o++] = (byte)(0x80 | (ch & 0x3F));
            }
            else
            {
                output[o++] = (byte)(0xE0 | (ch >> 12));
                output[o++] = (byte)(0x80 | ((ch >> 6) & 0x3F));
                output[o++] = (byte)(0x80 | (ch & 0x3F));
            }
        }

        _consumed += input.Length;
        _inStart = _inEnd;
        _outEnd = o;
        return true;
    }

    private bool ConvertUtf16()
    {
        if (!_bomChecked)
        {
            if (_inEnd - _inStart < 2 && !_innerEof)
            {
                return false;
            }

            _bomChecked = true;
            if (_inEnd - _inStart >= 2)
            {
                var (b0, b1) = (_in[_inStart], _in[_inStart + 1]);
                var bomLittle = b0 == 0xFF && b1 == 0xFE;
                var bomBig = b0 == 0xFE && b1 == 0xFF;
                if (_encoding == TextEncoding.Utf16 && (bomLittle || bomBig))
                {
                    _bigEndian = bomBig;
                }

                if ((bomLittle && !_bigEndian) || (bomBig && _bigEndian))
                {
                    _inStart += 2;
                    _consumed += 2;
                }
            }
        }

        var pending = _inEnd - _inStart;
        var units = pending / 2;
        if (units == 0)
        {
            if (_innerEof && pending == 1)
            {
                Invalid(_consumed, "the file ends in the middle of a UTF-16 code unit (an odd number of bytes)");
            }

            return false;
        }

        var bytes = _in.AsSpan(_inStart, units * 2);
        ReadOnlySpan<char> chars;
        if (_bigEndian == BitConverter.IsLittleEndian)
        {
            var swapped = _chars.AsSpan(0, units);
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(bytes), MemoryMarshal.Cast<char, ushort>(swapped));
            chars = swapped;
        }
        else
        {
            chars = MemoryMarshal.Cast<byte, char>(bytes);
        }

        var final = _innerEof && pending == units * 2;
        var status = System.Text.Unicode.Utf8.FromUtf16(chars, _out, out var charsRead, out var written, replaceInvalidSequences: false, isFinalBlock: final);
        if (status == OperationStatus.InvalidData)
        {
            Invalid(_consumed + (charsRead * 2L), $"code unit 0x{(int)chars[charsRead]:X4} is an unpaired surrogate");
        }

        if (status == OperationStatus.NeedMoreData && _innerEof && pending - (charsRead * 2) >= 2 && charsRead == 0)
        {
            Invalid(_consumed, "the file ends after the first half of a surrogate pair");
        }

        _inStart += charsRead * 2;
        _consumed += charsRead * 2L;
        _outEnd = written;
        return written > 0 || charsRead > 0;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Invalid(long offset, string what) =>
        throw new QuarantineException(
            $"{_source} is not valid {Name(_encoding)} at byte offset {offset.ToString("N0", CultureInfo.InvariantCulture)}: {what}.",
            $"Declare the file's real encoding (format: {{ encoding: ... }}), or re-export it as {Name(_encoding)}.");

    private static string Name(TextEncoding encoding) => encoding switch
    {
        TextEncoding.Latin1 => "latin1",
        TextEncoding.Windows1252 => "windows-1252",
        TextEncoding.Utf16LittleEndian => "utf-16le",
        TextEncoding.Utf16BigEndian => "utf-16be",
        _ => "utf-16",
    };
}
