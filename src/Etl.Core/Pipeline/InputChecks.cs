using System.Globalization;
using Etl.Core.Reading;
using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>Checks a CSV input before and around its header, so that input that is not what it claims is refused with its real cause.</summary>
internal static class InputChecks
{
    /// <summary>A header line longer than this is not a header (often a file with no line ends at all).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    /// <summary>
    /// Reads the first bytes and quarantines the file when they are not UTF-8 text (UTF-16/32 by BOM or NUL pattern,
    /// binary); returns a stream that yields the whole input again.
    /// </summary>
    public static async Task<Stream> CheckEncodingAsync(Stream input, string source, string dataset, CancellationToken cancellationToken)
    {
        var head = new byte[EncodingSniffer.SampleBytes];
        var length = 0;
        while (length < head.Length)
        {
            var n = await input.ReadAsync(head.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            length += n;
        }

        if (EncodingSniffer.Detect(head.AsSpan(0, length)) is { } found)
        {
            var fix = found.Declare is { } name
                ? $"Declare `encoding: {name}` under format: for dataset '{dataset}', or save the file as UTF-8, and drop it again."
                : "Save the file as UTF-8 CSV text and drop it again.";
            throw new QuarantineException($"{source} is {found.Description}, but dataset '{dataset}' reads UTF-8; its header and rows would be garbage.", fix);
        }

        return new PrefixedStream(head, length, input);
    }

    /// <summary>After the header: quarantines a "header" that is too long to be one.</summary>
    public static void CheckHeader(CsvReader csv, string source)
    {
        if (csv.BytesRead > MaxHeaderBytes)
        {
            throw new QuarantineException(
                string.Create(CultureInfo.InvariantCulture, $"{source}: its first line, read as the header, is {csv.BytesRead:N0} bytes long ({csv.FieldCount:N0} field(s)); a header is at most {MaxHeaderBytes:N0} bytes, so this is not a header line (a file without line ends, or with another line-end or delimiter than the dataset declares)."),
                "Check the file's line ends and delimiter (format: delimiter) and drop it again.", line: 1);
        }
    }

    /// <summary>The longest CSV record read: room for a few values of the largest size allowed, at least 64 MiB, at most 1 GiB.</summary>
    public static int MaxRecordBytes(long maxValueBytes) => (int)Math.Clamp(maxValueBytes * 4, 64L << 20, 1L << 30);

    /// <summary>The index of the current record's first field longer than <paramref name="maxBytes"/>, or -1.</summary>
    public static int OversizedField(CsvReader csv, long maxBytes)
    {
        for (var i = 0; i < csv.FieldCount; i++)
        {
            if (csv[i].Length > maxBytes)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The first bytes read back, then the rest of the input.</summary>
    private sealed class PrefixedStream(byte[] head, int length, Stream rest) : ReadOnlyWrapperStream(rest)
    {
        private int _used;

        public override int Read(Span<byte> buffer)
        {
            if (_used < length)
            {
                return Take(buffer);
            }

            return Inner.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _used < length ? ValueTask.FromResult(Take(buffer.Span)) : Inner.ReadAsync(buffer, cancellationToken);

        private int Take(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, length - _used);
            head.AsSpan(_used, n).CopyTo(buffer);
            _used += n;
            return n;
        }
    }
}
