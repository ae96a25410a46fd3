namespace Etl.Core.Pipeline;

/// <summary>Parquet input.</summary>
internal sealed partial class FileProcessor
{
    private static Task ReadParquetAsync(FileState state, Stream input, string source, CancellationToken cancellationToken) =>
        throw new QuarantineException($"{source}: Parquet input is not supported yet.", "Drop CSV or JSON lines.");
}
