using System.IO.Compression;
using Etl.Core.Reading;
using Etl.Storage;

namespace Etl.Core.Enrichment.Reference;

/// <summary>Opens a reference CSV (plain or gzip, detected by its magic bytes) with a header, up to a size limit.</summary>
internal sealed class ReferenceCsv : IDisposable
{
    private readonly CsvReader _reader;
    private readonly long _maxBytes;

    private ReferenceCsv(CsvReader reader, string source, string[] header, long maxBytes)
    {
        _reader = reader;
        Source = source;
        Header = header;
        _maxBytes = maxBytes;
    }

    public string Source { get; }

    public string[] Header { get; }

    public CsvReader Row => _reader;

    /// <summary>Opens <paramref name="stream"/> (disposed with the result) and reads the header.</summary>
    public static async Task<ReferenceCsv> OpenAsync(Stream stream, string source, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffered = new BufferedStream(stream, 1 << 16);
        var magic = new byte[2];
        var read = 0;
        // Peek at the first two bytes through a seekable copy of the start: BufferedStream cannot un-read, so wrap again.
        var prefix = new MemoryStream();
        while (read < 2)
        {
            var n = await buffered.ReadAsync(magic.AsMemory(read, 2 - read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        prefix.Write(magic, 0, read);
        prefix.Position = 0;
        Stream content = new ConcatenatedStream(prefix, buffered);
        if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            content = new GZipStream(content, CompressionMode.Decompress);
        }

        var reader = new CsvReader(content);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            reader.Dispose();
            throw new ReferenceDataException($"{source}: the reference table is empty; it needs a header row and at least one row.");
        }

        var header = new string[reader.FieldCount];
        for (var i = 0; i < header.Length; i++)
        {
            header[i] = reader.GetString(i).Trim();
        }

        return new ReferenceCsv(reader, source, header, maxBytes);
    }

    /// <summary>The index of the first header column named one of <paramref name="names"/> (case-insensitive), or -1.</summary>
    public int Find(params string[] names)
    {
        foreach (var name in names)
        {
            for (var i = 0; i < Header.Length; i++)
            {
                if (string.Equals(Header[i], name, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
        }

        return -1;
    }

    /// <summary>The index of a required column, or a <see cref="ReferenceDataException"/> naming the columns found.</summary>
    public int Require(string what, params string[] names)
    {
        var i = Find(names);
        if (i < 0)
        {
            throw new ReferenceDataException(
                $"{Source}: no {what} column; expected a header named {string.Join(" or ", names.Select(n => $"'{n}'"))}, found: {string.Join(", ", Header)}.");
        }

        return i;
    }

    /// <summary>Reads the next row; throws past the byte limit.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await _reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        if (_reader.BytesRead > _maxBytes)
        {
            throw new ReferenceDataException($"{Source}: the reference table is larger than {_maxBytes:N0} bytes (the limit); trim it or raise the limit.");
        }

        return true;
    }

    /// <summary>Field <paramref name="index"/>, or empty when the row is short.</summary>
    public ReadOnlySpan<byte> Field(int index) => index < _reader.FieldCount ? Typing.ValueParser.Trim(_reader[index]) : [];

    public void Dispose() => _reader.Dispose();

    /// <summary>Reads one stream (a small buffer already taken from the source), then the source itself.</summary>
    private sealed class ConcatenatedStream(Stream first, Stream second) : ReadOnlyWrapperStream(second)
    {
        private bool _firstDone;

        public override int Read(Span<byte> buffer)
        {
            if (!_firstDone)
            {
                var n = first.Read(buffer);
                if (n > 0)
                {
                    return n;
                }

                _firstDone = true;
            }

            return Inner.Read(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_firstDone)
            {
                var n = first.Read(buffer.Span);
                if (n > 0)
                {
                    return n;
                }

                _firstDone = true;
            }

            return await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                first.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
