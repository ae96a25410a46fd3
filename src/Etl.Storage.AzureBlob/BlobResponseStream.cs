using Azure.Storage.Blobs.Models;

namespace Etl.Storage.AzureBlob;

/// <summary>
/// The body of one streaming GET, as the SDK hands it on: with CRC64 it decodes the structured message and checks each
/// segment's checksum as it goes, and after a connection breaks it resumes where it stopped. Failures while reading
/// become the contract's exceptions, naming the store and key; disposing it disposes the response.
/// </summary>
internal sealed class BlobResponseStream(AzureBlobObjectStore store, string key, BlobDownloadStreamingResult result) : ReadOnlyWrapperStream(result.Content)
{
    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Inner.Read(buffer);
        }
        catch (Exception ex) when (AzureBlobObjectStore.IsServiceFailure(ex, CancellationToken.None))
        {
            throw store.Fail(ex, "read", key);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (AzureBlobObjectStore.IsServiceFailure(ex, cancellationToken))
        {
            throw store.Fail(ex, "read", key);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            result.Dispose();
        }

        base.Dispose(disposing);
    }
}
