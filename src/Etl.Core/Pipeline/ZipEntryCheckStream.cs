using System.Globalization;
using System.IO.Hashing;
using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>
/// A zip entry's content, checked at its end against the CRC-32 and size its header declares: ZipArchive does not check
/// either, so a damaged entry whose deflate data still decodes (or a stored entry with a flipped byte) would otherwise be
/// read as good rows.
/// </summary>
internal sealed class ZipEntryCheckStream(Stream entry, string source, uint expectedCrc, long expectedLength) : ReadOnlyWrapperStream(entry)
{
    private readonly Crc32 _crc = new();
    private long _length;

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var n = Inner.Read(buffer);
        return Check(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var n = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Check(buffer.Span[..n]);
    }

    private int Check(ReadOnlySpan<byte> read)
    {
        if (!read.IsEmpty)
        {
            _crc.Append(read);
            _length += read.Length;
            return read.Length;
        }

        var crc = _crc.GetCurrentHashAsUInt32();
        if (crc != expectedCrc || _length != expectedLength)
        {
            throw new QuarantineException(
                string.Create(CultureInfo.InvariantCulture, $"{source} is corrupt: its content ({_length:N0} bytes, CRC-32 {crc:x8}) does not match the size and CRC-32 the zip records for it ({expectedLength:N0} bytes, {expectedCrc:x8}), so its rows cannot be trusted (unzip -t reports the same)."),
                "Re-create or re-upload the archive; none of this version's rows were written.");
        }

        return 0;
    }
}
