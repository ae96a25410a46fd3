using Etl.Core.Definition;

namespace Etl.Core.Tests.Definition;

/// <summary>The <c>format</c> keys (type, encoding) and a column's <c>path</c>.</summary>
public sealed class FormatDefinitionTests
{
    [Fact]
    public void Parse_JsonlWithPathsAndEncoding_FormatEncodingAndSegments()
    {
        var d = Parse("{ type: jsonl, encoding: cp1252 }", "- { name: city, type: string, path: \"$.customer['home address'].city\" }");

        var ds = d.Datasets.Single();
        ds.Format.ShouldBe(InputFormat.Jsonl);
        ds.Encoding.ShouldBe(TextEncoding.Windows1252);
        ds.Columns[0].Path.ShouldBe(["customer", "home address", "city"]);
    }

    [Fact]
    public void Parse_Parquet_FormatParquet()
    {
        Parse("{ type: parquet }", "- { name: id, type: int64 }").Datasets.Single().Format.ShouldBe(InputFormat.Parquet);
    }

    [Theory]
    [InlineData("{ type: xml }", "- { name: id, type: int64 }", "csv, jsonl or parquet")]
    [InlineData("{ type: jsonl, delimiter: ';' }", "- { name: id, type: int64 }", "'delimiter' applies to csv")]
    [InlineData("{ type: csv }", "- { name: id, type: int64, path: a.b }", "applies to jsonl and parquet")]
    [InlineData("{ type: jsonl }", "- { name: id, type: int64, path: \"items[0]\" }", "array index")]
    [InlineData("{ type: jsonl }", "- { name: id, type: int64, path: \"a.\" }", "ends with '.'")]
    [InlineData("{ type: jsonl }", "- { name: a, type: string, path: c }\n      - { name: b, type: string, path: c.d }", "a path must end at a value")]
    [InlineData("{ type: parquet, encoding: latin1 }", "- { name: id, type: int64 }", "Parquet strings are always UTF-8")]
    public void Parse_BadFormatKeys_ProblemSaysWhatToWrite(string format, string columns, string expected)
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => Parse(format, columns));

        ex.Message.ShouldContain(expected);
        ex.Message.ShouldContain("pipeline.yaml:");
    }

    private static PipelineDefinition Parse(string format, string columns) =>
        PipelineDefinitionLoader.Parse($"""
            pipeline: p
            lake: /tmp/lake
            datasets:
              - name: d
                match: "landing/*"
                format: {format}
                columns:
                  {columns}
            """, "/tmp/pipeline.yaml");
}
