using Etl.Core.Enrichment;
using Etl.Core.Enrichment.Code;
using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Reference;
using Etl.Parquet;
using Etl.Storage.Local;
using Etl.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Core.Tests.Enrichment;

public sealed class TransformChainFactoryTests : IDisposable
{
    private static readonly ParquetSchema s_schema = new(
    [
        new ParquetField("order_date", ParquetType.Date),
        new ParquetField("item_type", ParquetType.String),
        new ParquetField("units_sold", ParquetType.Int32),
        ParquetField.Decimal("unit_price", 18, 2),
    ]);

    private readonly TempDirectory _lake = new("etl-enrichment");

    public TransformChainFactoryTests()
    {
        Directory.CreateDirectory(_lake.Combine("reference", "currency"));
        File.WriteAllText(_lake.Combine("reference", "currency", "rates-2024-01.csv"), "currency,month,rate\nEUR,2024-01,2\n");
        File.WriteAllText(_lake.Combine("reference", "currency", "rates-2024-02.csv"), "currency,month,rate\nEUR,2024-01,1.5\n");
        File.WriteAllText(_lake.Combine("reference", "items.csv"), "item_type,category\nFruits,Food\nCereal,Food\n");
    }

    public void Dispose() => _lake.Dispose();

    private static CodeTransformRegistry Registry() => new([new DozensToUnitsTransform()]);

    [Fact]
    public void AddBuiltInCodeTransforms_CalledTwice_RegistersOnce()
    {
        var services = new ServiceCollection().AddBuiltInCodeTransforms().AddBuiltInCodeTransforms();

        services.Count(d => d.ServiceType == typeof(ICodeTransform)).ShouldBe(1);
        services.Count(d => d.ServiceType == typeof(CodeTransformRegistry)).ShouldBe(1);
    }

    private TransformBindContext Context() =>
        new(new ReferenceTables(new LocalObjectStore(_lake.Path)), ["partner"], new Dictionary<string, DateOnly> { ["acme"] = new(2024, 2, 1) });

    private static IReadOnlyList<TransformDefinition> Definitions() =>
    [
        new CodeTransformDefinition(SourceLocation.None, "dozens_to_units", new Dictionary<string, string> { ["columns"] = "units_sold", ["when_capture"] = "partner", ["equals"] = "acme" }),
        new DeriveDefinition(SourceLocation.None, [new DerivedColumnDefinition(SourceLocation.None, "revenue", "units_sold * unit_price", "decimal(18,2)")]),
        new ConvertCurrencyDefinition(SourceLocation.None, "reference/currency/", ["revenue"], new CurrencySource(Fixed: "EUR"), "order_date"),
        new LookupDefinition(SourceLocation.None, "items", "reference/items.csv", "item_type", "item_type", [new LookupColumn("category", "category")]),
        new LateRowsDefinition(SourceLocation.None, "order_date", "partner"),
    ];

    [Fact]
    public async Task CreateAsync_AllKinds_RunsInOrderOverOneBatch()
    {
        var chain = await new TransformChainFactory(Registry()).CreateAsync(s_schema, Definitions(), Context(), TestContext.Current.CancellationToken);
        chain.BeginFile(new Dictionary<string, string> { ["partner"] = "acme" });

        var (batch, rows) = TestBatches.Run(chain, ["2024-02-10", "Fruits", 2, "1.00"], ["2024-01-31", "Fruits", 1, "1.00"], ["2024-03-01", "Toys", 1, "1.00"]);

        chain.OutputSchema.Fields.Select(f => f.Name).ShouldBe(["order_date", "item_type", "units_sold", "unit_price", "revenue", "revenue_usd", "category"]);
        TestBatches.Text(batch, "units_sold", 0).ShouldBe("24");
        TestBatches.Text(batch, "revenue", 0).ShouldBe("24.00");
        // The newest file of the folder (rates-2024-02.csv) is used.
        TestBatches.Text(batch, "revenue_usd", 0).ShouldBe("36.00");
        TestBatches.Text(batch, "category", 0).ShouldBe("Food");
        rows.States.ToArray().ShouldBe([RowState.Kept, RowState.Filtered, RowState.Rejected]);
        chain.ReferenceVersions.Keys.Order().ShouldBe(["missing_key:items", "missing_rate:reference/currency/"]);
    }

    [Fact]
    public async Task CreateAsync_ManyMistakes_ReportsEveryOneBeforeData()
    {
        IReadOnlyList<TransformDefinition> definitions =
        [
            new CodeTransformDefinition(new SourceLocation("p.yaml", 3, 7), "no_such", new Dictionary<string, string>()),
            new DeriveDefinition(SourceLocation.None, [new DerivedColumnDefinition(new SourceLocation("p.yaml", 5, 16), "x", "units_sold + item_type")]),
            new LateRowsDefinition(new SourceLocation("p.yaml", 9, 7), "nope", null),
        ];

        var ex = await Should.ThrowAsync<TransformDefinitionException>(() => new TransformChainFactory(Registry()).CreateAsync(s_schema, definitions, Context(), TestContext.Current.CancellationToken));

        ex.Problems.Count.ShouldBe(3);
        ex.Problems[0].ShouldBe("p.yaml:3:7: no code transform named 'no_such'; registered: dozens_to_units");
        ex.Problems[1].ShouldStartWith("p.yaml:5:16: derived column 'x', position 14:");
        ex.Problems[2].ShouldStartWith("p.yaml:9:7: late_rows: date column 'nope'");
    }

    [Fact]
    public async Task CreateAsync_MissingTable_ReferenceDataError()
    {
        IReadOnlyList<TransformDefinition> definitions = [new LookupDefinition(SourceLocation.None, "x", "reference/none.csv", "item_type", "item_type", [new LookupColumn("a", "a")])];

        var ex = await Should.ThrowAsync<ReferenceDataException>(() => new TransformChainFactory(Registry()).CreateAsync(s_schema, definitions, Context(), TestContext.Current.CancellationToken));

        ex.Message.ShouldContain("reference/none.csv: reference table not found; upload it or fix 'table:'");
    }

    [Fact]
    public void CodeVersions_NamesAndVersions_ForPipelineHash()
    {
        new TransformChainFactory(Registry()).CodeVersions(Definitions()).ShouldBe(["dozens_to_units@1"]);
    }

    [Fact]
    public void DozensToUnits_OtherPartnerAndOverflow_UnchangedOrRejected()
    {
        var step = new DozensToUnitsTransform().Bind(s_schema, new Dictionary<string, string> { ["columns"] = "units_sold, unit_price" }, "p.yaml:1:1");
        var chain = new TransformChain(s_schema, [step]);

        var (batch, rows) = TestBatches.Run(chain, ["2024-01-01", "x", int.MaxValue, "1.50"], ["2024-01-01", "x", null, null]);

        rows[0].ShouldBe(RowState.Rejected);
        rows.Rejections[0].Reason.ShouldContain("units_sold 2147483647 in dozens times 12 overflows Int32");
        TestBatches.Text(batch, "unit_price", 0).ShouldBe("18.00");
        rows[1].ShouldBe(RowState.Kept);
    }
}
