using Etl.Core.Definition;
using Etl.Core.Reading;

namespace Etl.Core.Pipeline;

/// <summary>Parquet input: the file mapped to the declared columns and typed by the same rules as text.</summary>
internal sealed partial class FileProcessor
{
    private static async Task ReadParquetAsync(FileState state, Stream input, string source, CancellationToken cancellationToken)
    {
        // Parquet is read from its footer, so the stream must seek; object-store, gzip and zip-entry streams are spooled.
        string? temp = null;
        var seekable = input;
        if (!input.CanSeek)
        {
            temp = Path.GetTempFileName();
            seekable = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            await input.CopyToAsync(seekable, cancellationToken).ConfigureAwait(false);
            seekable.Position = 0;
        }

        try
        {
            await ReadParquetSeekableAsync(state, seekable, source, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (temp is not null)
            {
                await seekable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task ReadParquetSeekableAsync(FileState state, Stream seekable, string source, CancellationToken cancellationToken)
    {
        var ds = state.Dataset;
        ParquetInput parquet;
        try
        {
            parquet = await ParquetInput.OpenAsync(seekable, ds.Columns, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw NotReadable(source, ex);
        }

        await using (parquet.ConfigureAwait(false))
        {
            var columns = ParquetColumns(ds, parquet, source, state);
            parquet.ReadExtras = ds.ExtraColumns == ExtraColumnsPolicy.Rescue;
            try
            {
                while (await NextRowGroupAsync(parquet, source, cancellationToken).ConfigureAwait(false))
                {
                    for (var r = 0; r < parquet.RowsInGroup; r++)
                    {
                        parquet.Row = r;
                        state.RowsRead++;
                        if (!state.TryAppendRecord(parquet, out var badColumn, out var badValue, out var reason, columns))
                        {
                            state.Reject(source, parquet.LineNumber, badColumn, badValue, reason!);
                            continue;
                        }

                        if (state.Batch.Columns.Count > 0 && state.Batch[0].Count >= BatchRows)
                        {
                            await state.EndBatchAsync(source, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }

                await state.EndBatchAsync(source, cancellationToken).ConfigureAwait(false);
                await state.DrainAsync().ConfigureAwait(false);
            }
            catch
            {
                // Nothing may still be writing when the caller abandons the file's outputs.
                await state.DrainQuietlyAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private static async ValueTask<bool> NextRowGroupAsync(ParquetInput parquet, string source, CancellationToken cancellationToken)
    {
        try
        {
            return await parquet.NextRowGroupAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The file is local by now (spooled or on disk): a failure here is the file's content, not the store.
            throw NotReadable(source, ex);
        }
    }

    /// <summary>
    /// The definitions to type with: a column the file lacks is refused like a CSV header without it (when required),
    /// and a native date or timestamp ignores the column's text <c>format</c>, since it is printed as ISO text.
    /// </summary>
    private static ColumnDefinition[] ParquetColumns(DatasetDefinition ds, ParquetInput parquet, string source, FileState state)
    {
        var missing = new List<string>();
        var columns = new ColumnDefinition[ds.Columns.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var col = ds.Columns[c];
            var field = parquet.Fields[c];
            if (field is null && col.Required)
            {
                missing.Add(col.Name);
            }

            columns[c] = field is not null && col.Format is not null && ParquetInput.IsTemporal(field)
                ? new ColumnDefinition { Name = col.Name, Field = col.Field, Required = col.Required, Aliases = col.Aliases, MaxLength = col.MaxLength, Path = col.Path }
                : col;
        }

        if (missing.Count > 0)
        {
            throw new QuarantineException(
                $"{source} is missing required column(s) {string.Join(", ", missing)} for dataset '{ds.Name}'.",
                $"Add the field(s) to the file, or map the column to the file's field with 'aliases' or 'path' in {Path.GetFileName(state.Processor.Definition.SourcePath)}.",
                missing, parquet.ExtraNames);
        }

        if (parquet.ExtraCount > 0 && ds.ExtraColumns == ExtraColumnsPolicy.RejectFile)
        {
            throw new QuarantineException(
                $"{source} has field(s) the dataset does not declare: {string.Join(", ", parquet.ExtraNames)} (extra_columns: reject_file).",
                "Remove the fields, declare them, or set extra_columns to rescue or drop.", null, parquet.ExtraNames);
        }

        return columns;
    }

    private static QuarantineException NotReadable(string source, Exception ex) =>
        ex as QuarantineException ?? new QuarantineException(
            ex is ParquetInputException ? $"{source}: {ex.Message}." : $"{source} is not a readable Parquet file: {ex.Message}",
            ex is ParquetInputException ? "Map the column to a single-valued field, or re-export the file." : "Re-export the file (it may be truncated or not Parquet at all) and drop it again.");
}
