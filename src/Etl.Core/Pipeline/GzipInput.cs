using System.Globalization;
using System.IO.Compression;
using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>
/// Opens a landed .gz for reading and proves that it was complete. GZipStream checks the CRC of every member whose
/// trailer it reads, but a file cut short ends its output silently, which would commit the rows before the cut as a
/// success. So the compressed input is followed by a small gzip member of our own whose content is a marker: a
/// complete file is followed by its member, which yields the marker as the last bytes of output; a file cut anywhere
/// inside its last member feeds the marker's bytes to the unfinished member instead, and the marker never comes out.
/// This costs nothing per byte (no second CRC pass) and works for concatenated (multi-member) files.
/// </summary>
internal static class GzipInput
{
    /// <summary>Deflate cannot expand more than about 1032x; data past 1000x its compressed size is a bomb, not a CSV.</summary>
    public const int MaxRatio = 1000;

    private static readonly byte[] s_marker = "\u0001etl-gzip-end-7c2f9a41\u0002"u8.ToArray();
    private static readonly byte[] s_markerMember = CompressMarker();

    /// <summary>
    /// The decompressed content of <paramref name="raw"/> (<paramref name="compressedSize"/> bytes): quarantines the file
    /// when it is cut short, corrupt, or expands past <paramref name="limit"/> bytes or <see cref="MaxRatio"/>x.
    /// </summary>
    public static Stream Open(Stream raw, string key, long compressedSize, long limit)
    {
        var counted = new SentinelStream(raw);
        var gz = new GZipStream(counted, CompressionMode.Decompress);
        var ratioLimit = compressedSize > long.MaxValue / MaxRatio ? long.MaxValue : Math.Max(1L << 20, compressedSize * MaxRatio);
        var budget = ratioLimit < limit
            ? new ExpansionBudget(ratioLimit, $"{key} expands to more than {MaxRatio}x its compressed size ({compressedSize.ToString("N0", CultureInfo.InvariantCulture)} bytes); refused as a possible decompression bomb.")
            : new ExpansionBudget(limit);
        return new ExpansionLimitStream(new CheckedStream(gz, counted, key), budget, key);
    }

    private static byte[] CompressMarker()
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(s_marker);
        }

        return ms.ToArray();
    }

    /// <summary>The landed bytes, counted, then the marker member once they end.</summary>
    private sealed class SentinelStream(Stream inner) : ReadOnlyWrapperStream(inner)
    {
        private int _sentinelUsed = -1;

        /// <summary>Bytes of the landed file read so far.</summary>
        public long BytesRead { get; private set; }

        /// <summary>Whether the landed file has been read to its end (and the marker member is being fed).</summary>
        public bool PastEnd => _sentinelUsed >= 0;

        public override int Read(Span<byte> buffer)
        {
            if (_sentinelUsed < 0)
            {
                var n = Inner.Read(buffer);
                if (n > 0 || buffer.IsEmpty)
                {
                    BytesRead += n;
                    return n;
                }

                _sentinelUsed = 0;
            }

            return Sentinel(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_sentinelUsed < 0)
            {
                var n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n > 0 || buffer.IsEmpty)
                {
                    BytesRead += n;
                    return n;
                }

                _sentinelUsed = 0;
            }

            return Sentinel(buffer.Span);
        }

        private int Sentinel(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, s_markerMember.Length - _sentinelUsed);
            s_markerMember.AsSpan(_sentinelUsed, n).CopyTo(buffer);
            _sentinelUsed += n;
            return n;
        }
    }

    /// <summary>The decompressed bytes without the marker; at the end, quarantines the file unless the marker came out.</summary>
    private sealed class CheckedStream(Stream gz, SentinelStream raw, string key) : ReadOnlyWrapperStream(gz)
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _start;
        private int _end;
        private bool _eof;

        public override int Read(Span<byte> buffer)
        {
            while (true)
            {
                if (TryTake(buffer, out var n))
                {
                    return n;
                }

                Compact();
                int read;
                try
                {
                    read = Inner.Read(_buffer.AsSpan(_end));
                }
                catch (InvalidDataException ex)
                {
                    throw Corrupt(ex);
                }

                Filled(read);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (true)
            {
                if (TryTake(buffer.Span, out var n))
                {
                    return n;
                }

                Compact();
                int read;
                try
                {
                    read = await Inner.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException ex)
                {
                    throw Corrupt(ex);
                }

                Filled(read);
            }
        }

        /// <summary>Hands out what is known not to be the marker (everything but the last marker-length bytes).</summary>
        private bool TryTake(Span<byte> buffer, out int n)
        {
            var safe = _end - _start - s_marker.Length;
            if (safe > 0 && !buffer.IsEmpty)
            {
                n = Math.Min(safe, buffer.Length);
                _buffer.AsSpan(_start, n).CopyTo(buffer);
                _start += n;
                return true;
            }

            n = 0;
            if (!_eof && !buffer.IsEmpty)
            {
                return false;
            }

            if (_eof && !_buffer.AsSpan(_start, _end - _start).SequenceEqual(s_marker))
            {
                throw Truncated();
            }

            return true;
        }

        private void Compact()
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
        }

        private void Filled(int read)
        {
            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
        }

        private QuarantineException Truncated() => new(
            $"{key} is truncated: its gzip data ends at byte {raw.BytesRead.ToString("N0", CultureInfo.InvariantCulture)} (the end of the file) before the compressed stream is complete, so the rows after that point are missing (gzip -t reports the same).",
            "Upload the complete file again (check that the transfer or export finished), then run again; none of this version's rows were written.");

        private QuarantineException Corrupt(InvalidDataException ex) => raw.PastEnd
            ? Truncated()
            : new QuarantineException(
                $"{key} is not a valid gzip file, or is corrupt near compressed byte {raw.BytesRead.ToString("N0", CultureInfo.InvariantCulture)}: {ex.Message} (gzip -t reports the same).",
                "Re-export or re-upload the file; if it is not gzip-compressed, drop it without the .gz extension. None of this version's rows were written.");
    }
}
