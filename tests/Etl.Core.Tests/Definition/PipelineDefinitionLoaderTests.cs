using Etl.Core.Definition;
using Etl.Parquet;

namespace Etl.Core.Tests.Definition;

public sealed class PipelineDefinitionLoaderTests
{
    private const string Path = "/defs/pipeline.yaml";

    private const string Valid = """
        pipeline: retail-sales
        lake: ./lake
        datasets:
          - name: partner_sales
            match: "landing/partners/{partner}/*.csv*"
            format: { type: csv, delimiter: ";", header: true, encoding: utf-8 }
            columns:
              - { name: order_id,   type: int64,  required: true }
              - { name: order_date, type: date,   format: "M/d/yyyy", required: true, aliases: ["Order Date"] }
              - { name: country,    type: string, aliases: ["Country"], max_length: 60 }
              - { name: unit_price, type: "decimal(18,2)" }
            extra_columns: drop
            partition_by: [partner, year(order_date), month(order_date)]
            on_bad_rows: fail_file
        """;

    [Fact]
    public void Parse_ExampleDefinition_BuildsModel()
    {
        var def = PipelineDefinitionLoader.Parse(Valid, Path);

        def.Name.ShouldBe("retail-sales");
        def.Lake.ShouldBe(System.IO.Path.GetFullPath("/defs/lake"));
        var ds = def.Datasets.ShouldHaveSingleItem();
        ds.Delimiter.ShouldBe(';');
        ds.ExtraColumns.ShouldBe(ExtraColumnsPolicy.Drop);
        ds.OnBadRows.ShouldBe(BadRowsPolicy.FailFile);
        ds.Columns.Select(c => c.Name).ShouldBe(["order_id", "order_date", "country", "unit_price"]);
        ds.Columns[0].Required.ShouldBeTrue();
        ds.Columns[1].Format.ShouldBe("M/d/yyyy");
        ds.Columns[1].Aliases.ShouldBe(["Order Date"]);
        ds.Columns[2].MaxLength.ShouldBe(60);
        ds.Columns[3].Field.Type.ShouldBe(ParquetType.Decimal);
        ds.PartitionBy.Select(p => (p.Name, p.Source)).ShouldBe(
            [("partner", PartitionSource.Capture), ("year", PartitionSource.Year), ("month", PartitionSource.Month)]);
        ds.Captures.ShouldBe(["partner"]);
    }

    [Theory]
    [InlineData("landing/partners/acme/jan.csv", true)]
    [InlineData("landing/partners/acme/jan.csv.gz", true)]
    [InlineData("landing/partners/acme/sub/jan.csv", false)]
    [InlineData("landing/partners/jan.csv", false)]
    public void Parse_MatchWithCapture_MatchesOneSegment(string key, bool matches)
    {
        var ds = PipelineDefinitionLoader.Parse(Valid, Path).Datasets[0];

        var m = ds.MatchRegex.Match(key);
        m.Success.ShouldBe(matches);
        if (matches)
        {
            m.Groups["partner"].Value.ShouldBe("acme");
        }
    }

    [Fact]
    public void Parse_UriLake_KeptAsIs() =>
        PipelineDefinitionLoader.Parse(Valid.Replace("./lake", "s3://bucket/lake", StringComparison.Ordinal), Path).Lake.ShouldBe("s3://bucket/lake");

    [Fact]
    public void Parse_SameDefinitionOtherLake_SameVersion()
    {
        var a = PipelineDefinitionLoader.Parse(Valid, Path).Version;
        var b = PipelineDefinitionLoader.Parse(Valid.Replace("./lake", "/elsewhere", StringComparison.Ordinal), Path).Version;
        var c = PipelineDefinitionLoader.Parse(Valid.Replace("decimal(18,2)", "decimal(18,4)", StringComparison.Ordinal), Path).Version;

        b.ShouldBe(a);
        c.ShouldNotBe(a);
    }

    [Fact]
    public void Parse_SeveralMistakes_ReportsAllWithLineAndColumn()
    {
        const string yaml = """
            pipeline: retail-sales
            datasets:
              - name: partner_sales
                match: "landing/*.csv"
                columns:
                  - { name: order_id, type: int65 }
                  - { name: amount, type: "decimal(40,2)" }
                  - { name: day, type: date, colour: red }
                extra_columns: keep
                partition_by: [region]
            """;

        var ex = Should.Throw<PipelineDefinitionException>(() => PipelineDefinitionLoader.Parse(yaml, Path));

        ex.Problems.Count.ShouldBe(5);
        ex.Problems.ShouldContain(p => p.StartsWith($"{Path}:6:", StringComparison.Ordinal) && p.Contains("unknown type 'int65'", StringComparison.Ordinal));
        ex.Problems.ShouldContain(p => p.StartsWith($"{Path}:7:", StringComparison.Ordinal) && p.Contains("decimal(p,s)", StringComparison.Ordinal));
        ex.Problems.ShouldContain(p => p.StartsWith($"{Path}:8:", StringComparison.Ordinal) && p.Contains("unknown key 'colour'", StringComparison.Ordinal));
        ex.Problems.ShouldContain(p => p.StartsWith($"{Path}:9:", StringComparison.Ordinal) && p.Contains("rescue, drop or reject_file", StringComparison.Ordinal));
        ex.Problems.ShouldContain(p => p.StartsWith($"{Path}:10:", StringComparison.Ordinal) && p.Contains("partition 'region'", StringComparison.Ordinal));
        ex.Message.ShouldContain("5 problem(s)");
    }

    [Fact]
    public void Parse_InvalidYaml_NamesLine()
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => PipelineDefinitionLoader.Parse("pipeline: x\ndatasets: [\n  - a: b\n", Path));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("not valid YAML");
        ex.Problems[0].ShouldStartWith(Path + ":");
    }

    [Fact]
    public void Parse_MatchOutsideLanding_SaysWhereFilesComeFrom()
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => PipelineDefinitionLoader.Parse(Valid.Replace("landing/partners", "inbox/partners", StringComparison.Ordinal), Path));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("must start with 'landing/'");
    }

    [Fact]
    public void Parse_YearOfStringColumn_Refused()
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => PipelineDefinitionLoader.Parse(Valid.Replace("year(order_date)", "year(country)", StringComparison.Ordinal), Path));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("needs a date or timestamp column");
    }

    [Fact]
    public void Parse_FormatOnNumber_Refused()
    {
        var yaml = Valid.Replace("type: int64,  required: true", "type: int64, format: \"0.00\"", StringComparison.Ordinal);

        var ex = Should.Throw<PipelineDefinitionException>(() => PipelineDefinitionLoader.Parse(yaml, Path));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("'format' applies to date and timestamp columns");
    }

    [Theory]
    [InlineData("512MB", 512L << 20)]
    [InlineData("20GB", 20L << 30)]
    [InlineData("4096", 4096L)]
    public void Parse_MaxUncompressedBytes_AcceptsSizes(string text, long expected) =>
        PipelineDefinitionLoader.Parse(Valid + $"\noptions: {{ max_uncompressed_bytes: {text} }}\n", Path).MaxUncompressedBytes.ShouldBe(expected);

    [Fact]
    public void Parse_MaxUncompressedBytesNotASize_NamesLineAndFix()
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => PipelineDefinitionLoader.Parse(Valid + "\noptions: { max_uncompressed_bytes: lots }\n", Path));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("such as 500000, 512MB or 20GB");
    }

    [Fact]
    public void Load_MissingFile_SaysHowToCreateOne()
    {
        var ex = Should.Throw<PipelineDefinitionException>(() => PipelineDefinitionLoader.Load("/nonexistent/pipeline.yaml"));

        ex.Problems.ShouldHaveSingleItem().ShouldContain("etl init");
    }
}
