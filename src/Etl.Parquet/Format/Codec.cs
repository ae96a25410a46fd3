using System.IO.Compression;

namespace Etl.Parquet.Format;

/// <summary>Page compression and decompression.</summary>
internal static class Codec
{
    public static int ThriftCode(ParquetCompression compression) => compression switch
    {
        ParquetCompression.Uncompressed => 0,
        ParquetCompression.Snappy => 1,
        ParquetCompression.Gzip => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(compression)),
    };

    /// <summary>Compresses <paramref name="source"/> and appends it to <paramref name="destination"/>; returns the compressed length.</summary>
    public static int Compress(ParquetCompression compression, ReadOnlySpan<byte> source, ByteBuffer destination)
    {
        switch (compression)
        {
            case ParquetCompression.Uncompressed:
                destination.Write(source);
                return source.Length;
            case ParquetCompression.Snappy:
                return SnappyCodec.Compress(source, destination);
            case ParquetCompression.Gzip:
                {
                    var before = destination.Length;
                    using (var gz = new GZipStream(new ByteBufferStream(destination), CompressionLevel.Optimal, leaveOpen: false))
                    {
                        gz.Write(source);
                    }

                    return destination.Length - before;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(compression));
        }
    }

    /// <summary>Decompresses a page into <paramref name="destination"/>, which has exactly the declared uncompressed size.</summary>
    public static void Decompress(int codec, ReadOnlySpan<byte> source, Span<byte> destination, string where)
    {
        switch (codec)
        {
            case 0:
                if (source.Length != destination.Length)
                {
                    throw new ParquetFormatException($"{where}: uncompressed page is {source.Length} bytes but its header says {destination.Length}.");
                }

                source.CopyTo(destination);
                break;
            case 1:
                SnappyCodec.Decompress(source, destination, where);
                break;
            case 2:
                {
                    using var ms = new UnmanagedSpanStream(source.ToArray());
                    using var gz = new GZipStream(ms, CompressionMode.Decompress);
                    var total = 0;
                    while (total < destination.Length)
                    {
                        int n;
                        try
                        {
                            n = gz.Read(destination[total..]);
                        }
                        catch (InvalidDataException ex)
                        {
                            throw new ParquetFormatException($"{where}: corrupt GZIP data.", ex);
                        }

                        if (n == 0)
                        {
                            throw new ParquetFormatException($"{where}: GZIP data ends after {total} of {destination.Length} bytes.");
                        }

                        total += n;
                    }

                    break;
                }

            default:
                throw new ParquetFormatException($"{where}: compression codec {codec} is not supported (UNCOMPRESSED, SNAPPY and GZIP are).");
        }
    }

    /// <summary>A write-only stream appending to a <see cref="ByteBuffer"/>.</summary>
    private sealed class ByteBufferStream(ByteBuffer buffer) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => buffer.Length;

        public override long Position
        {
            get => buffer.Length;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer1, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer1, int offset, int count) => buffer.Write(buffer1.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer1) => buffer.Write(buffer1);
    }

    private sealed class UnmanagedSpanStream(byte[] data) : MemoryStream(data, writable: false);
}
