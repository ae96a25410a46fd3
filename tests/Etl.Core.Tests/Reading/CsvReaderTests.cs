using System.Text;
using Etl.Core.Reading;

namespace Etl.Core.Tests.Reading;

public sealed class CsvReaderTests
{
    [Fact]
    public async Task Read_QuotesNewlinesBomCrlf_FieldsAndLinesRight()
    {
        var text = "\uFEFFid,name,note\r\n1,\"Smith, J\",\"said \"\"hi\"\"\"\r\n2,plain,\"two\nlines\"\r\n\r\n3,,last";

        var rows = await ReadAllAsync(text);

        rows.Count.ShouldBe(4);
        rows[0].Fields.ShouldBe(["id", "name", "note"]);
        rows[1].Fields.ShouldBe(["1", "Smith, J", "said \"hi\""]);
        rows[2].Fields.ShouldBe(["2", "plain", "two\nlines"]);
        rows[3].Fields.ShouldBe(["3", "", "last"]);
        rows.Select(r => r.Line).ShouldBe([1L, 2, 3, 6]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public async Task Read_TinyStreamChunks_SameResult(int chunk)
    {
        var sb = new StringBuilder("a;b\n");
        for (var i = 0; i < 500; i++)
        {
            sb.Append(i).Append(";\"x;").Append(i).Append("\"\"q\"\"\ny\"\n");
        }

        var rows = await ReadAllAsync(sb.ToString(), ';', chunk);

        rows.Count.ShouldBe(501);
        rows[500].Fields.ShouldBe(["499", "x;499\"q\"\ny"]);
        rows[500].Line.ShouldBe(1 + 1 + (499 * 2));
    }

    [Fact]
    public async Task Read_UnclosedQuote_ClearErrorWithLine()
    {
        var ex = await Should.ThrowAsync<CsvFormatException>(() => ReadAllAsync("a,b\n1,\"open\n2,3\n"));
        ex.Line.ShouldBe(2);
        ex.Message.ShouldContain("not closed");
    }

    [Fact]
    public async Task Read_RecordLongerThanMaxRecordBytes_ClearErrorInsteadOfGrowingWithoutEnd()
    {
        using var csv = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes("h\n" + new string('x', 5 << 20)))) { MaxRecordBytes = 2 << 20 };
        (await csv.ReadAsync(TestContext.Current.CancellationToken)).ShouldBeTrue();

        var ex = await Should.ThrowAsync<CsvFormatException>(async () => await csv.ReadAsync(TestContext.Current.CancellationToken));

        ex.Line.ShouldBe(2);
        ex.Message.ShouldContain("a record is longer than 2,097,152 bytes without ending");
    }

    [Fact]
    public async Task Read_RecordLargerThanBuffer_Grows()
    {
        var big = new string('x', 3 << 20);

        var rows = await ReadAllAsync($"h\n{big}\nend\n");

        rows[1].Fields[0].Length.ShouldBe(big.Length);
        rows[2].Fields.ShouldBe(["end"]);
    }

    internal static async Task<List<(string[] Fields, long Line)>> ReadAllAsync(string text, char delimiter = ',', int chunk = 0)
    {
        Stream stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        if (chunk > 0)
        {
            stream = new ChunkedStream(stream, chunk);
        }

        using var reader = new CsvReader(stream, delimiter);
        var rows = new List<(string[], long)>();
        while (await reader.ReadAsync())
        {
            rows.Add((Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToArray(), reader.LineNumber));
        }

        return rows;
    }

    private sealed class ChunkedStream(Stream inner, int chunk) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, chunk));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
