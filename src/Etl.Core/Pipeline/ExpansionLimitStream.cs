namespace Etl.Core.Pipeline;

/// <summary>
/// Counts the bytes a decompressing stream yields and stops at a limit shared by every part of one landed file, so an
/// archive whose headers understate its entries' sizes (or a .gz bomb) is quarantined instead of filling the worker.
/// </summary>
internal sealed class ExpansionLimitStream(Stream inner, ExpansionBudget budget, string source) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

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
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        budget.Used += read;
        if (budget.Used > budget.Limit)
        {
            throw new QuarantineException(
                $"{source} expands past the limit of {budget.Limit:N0} uncompressed bytes; refused as a possible decompression bomb.",
                "Split the file, or raise the limit if the data is genuine.");
        }

        return read;
    }
}

/// <summary>The uncompressed bytes one landed file may yield, across all of its parts.</summary>
internal sealed class ExpansionBudget(long limit)
{
    public long Limit { get; } = limit;

    public long Used { get; set; }
}
