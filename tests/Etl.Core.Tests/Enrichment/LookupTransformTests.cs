using System.Text;
using Etl.Core.Enrichment;
using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Reference;
using Etl.Parquet;

namespace Etl.Core.Tests.Enrichment;

public sealed class LookupTransformTests
{
    private const string Stores = """
        store_id,region,opened,sq_m
        1,North,2020-01-01,120.5
        002,South,2021-06-30,
        3,"East, Coast",,80
        """;

    private static readonly ParquetSchema s_schema = new(
    [
        new ParquetField("store", ParquetType.Int32),
        new ParquetField("country", ParquetType.String),
    ]);

    private static LookupDefinition Definition(RowAction onMissing = RowAction.Reject) => new(
        new SourceLocation("pipeline.yaml", 30, 9),
        "stores",
        "reference/stores.csv",
        "store",
        "store_id",
        [new LookupColumn("region", "store_region"), new LookupColumn("opened", "store_opened", "date"), new LookupColumn("sq_m", "store_size", "decimal(10,1)")],
        onMissing);

    private static async Task<LookupTable> LoadAsync(string csv, LookupDefinition definition, int maxRows = 100) =>
        await LookupTable.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), definition.Table, definition.TableKey, LookupTransform.TableColumns(definition), maxRows, cancellationToken: TestContext.Current.CancellationToken);

    private static async Task<TransformChain> ChainAsync(RowAction onMissing = RowAction.Reject)
    {
        var definition = Definition(onMissing);
        return new TransformChain(s_schema, [LookupTransform.Create(s_schema, definition, await LoadAsync(Stores, definition))]);
    }

    [Fact]
    public async Task Apply_IntegerKey_AddsTypedColumnsMatchingByValue()
    {
        var chain = await ChainAsync();
        var (batch, rows) = TestBatches.Run(chain, [1, "x"], [2, "y"], [3, "z"]);

        rows.KeptCount.ShouldBe(3);
        chain.OutputSchema.Fields[^2].ShouldBe(new ParquetField("store_opened", ParquetType.Date));
        TestBatches.Text(batch, "store_region", 0).ShouldBe("North");
        TestBatches.Text(batch, "store_opened", 1).ShouldBe("2021-06-30");
        TestBatches.Text(batch, "store_size", 1).ShouldBeNull();
        TestBatches.Text(batch, "store_region", 2).ShouldBe("East, Coast");
        TestBatches.Text(batch, "store_size", 2).ShouldBe("80.0");
    }

    [Fact]
    public async Task Apply_MissingKeyReject_RejectsWithCodeAndReason()
    {
        var chain = await ChainAsync();
        var (batch, rows) = TestBatches.Run(chain, [9, "x"], [null, "y"], [1, "z"]);

        rows[0].ShouldBe(RowState.Rejected);
        rows.Rejections[0].ShouldBe(new RowRejection(0, "store", "store '9' is not in reference/stores.csv (lookup 'stores')", "missing_key:stores"));
        rows.Rejections[1].Reason.ShouldBe("store is empty, so lookup 'stores' has no key");
        rows[2].ShouldBe(RowState.Kept);
        batch.RowCount.ShouldBe(3);
        chain.ReferenceVersions.ContainsKey("missing_key:stores").ShouldBeTrue();
    }

    [Fact]
    public async Task Apply_MissingKeyKeep_KeepsWithNullsAndCounts()
    {
        var chain = await ChainAsync(RowAction.KeepWithNulls);
        var (batch, rows) = TestBatches.Run(chain, [9, "x"], [null, "y"], [1, "z"]);

        rows.KeptCount.ShouldBe(3);
        rows.Notes["lookup stores: missing key kept with nulls"].ShouldBe(2);
        TestBatches.Text(batch, "store_region", 0).ShouldBeNull();
        TestBatches.Text(batch, "store_region", 2).ShouldBe("North");
    }

    [Fact]
    public async Task Apply_StringKey_TrimsAndMatchesExactly()
    {
        var definition = new LookupDefinition(SourceLocation.None, "regions", "reference/regions.csv", "country", "country", [new LookupColumn("region_code", "region_code")]);
        var table = await LoadAsync("country,region_code\nChad,AF\nFrance,EU\n", definition);
        var chain = new TransformChain(s_schema, [LookupTransform.Create(s_schema, definition, table)]);
        var (batch, rows) = TestBatches.Run(chain, [1, " France "], [1, "france"]);

        TestBatches.Text(batch, "region_code", 0).ShouldBe("EU");
        rows[1].ShouldBe(RowState.Rejected);
    }

    [Theory]
    [InlineData("store_id,region,opened,sq_m\n1,a,,\n1,b,,", ":3: key '1' appears twice (also line 2)")]
    [InlineData("store_id,region,opened,sq_m\n1,a,yesterday,", ":2: 'opened' value 'yesterday' is not a date")]
    [InlineData("store_id,region,opened,sq_m\n,a,,", ":2: the key 'store_id' is empty")]
    [InlineData("id,region,opened,sq_m\n1,a,,", "no key column; expected a header named 'store_id'")]
    [InlineData("store_id,region,opened,sq_m\n1,a,,\n2,a,,\n3,a,,", "more than 2 rows (the limit for this lookup); raise 'max_rows'")]
    public async Task LoadAsync_BadTable_ClearError(string csv, string expected)
    {
        var ex = await Should.ThrowAsync<ReferenceDataException>(() => LoadAsync(csv, Definition(), maxRows: 2));

        ex.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task Create_AddedColumnCollides_ConfigurationError()
    {
        var definition = Definition() with { Columns = [new LookupColumn("region", "country")] };
        var table = await LoadAsync(Stores, definition);

        var ex = Should.Throw<TransformDefinitionException>(() => new TransformChain(s_schema, [LookupTransform.Create(s_schema, definition, table)]));

        ex.Message.ShouldContain("'country' appears more than once");
    }

    [Fact]
    public async Task ContentHash_ChangesWithContentOnly()
    {
        var a = await LoadAsync(Stores, Definition());
        var b = await LoadAsync(Stores, Definition());
        var c = await LoadAsync(Stores + "\n4,West,,", Definition());

        a.ContentHash.ShouldBe(b.ContentHash);
        a.ContentHash.ShouldNotBe(c.ContentHash);
    }
}
