using Etl.Storage;

namespace Etl.Core.Pipeline;

/// <summary>
/// Counts the bytes a decompressing stream yields and stops at a limit shared by every part of one landed file, so an
/// archive whose headers understate its entries' sizes (or a .gz bomb) is quarantined instead of filling the worker.
/// </summary>
internal sealed class ExpansionLimitStream(Stream inner, ExpansionBudget budget, string source) : ReadOnlyWrapperStream(inner)
{
    public override int Read(Span<byte> buffer) => Count(Inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Count(int read)
    {
        budget.Used += read;
        if (budget.Used > budget.Limit)
        {
            throw new QuarantineException(
                budget.Reason ?? $"{source} expands past the limit of {budget.Limit:N0} uncompressed bytes; refused as a possible decompression bomb.",
                "Split the file, or raise the limit if the data is genuine.");
        }

        return read;
    }
}

/// <summary>The uncompressed bytes one landed file may yield, across all of its parts.</summary>
internal sealed class ExpansionBudget(long limit, string? reason = null)
{
    public long Limit { get; } = limit;

    /// <summary>The quarantine reason when the limit is not the configured size (e.g. a ratio to the compressed size).</summary>
    public string? Reason { get; } = reason;

    public long Used { get; set; }
}
