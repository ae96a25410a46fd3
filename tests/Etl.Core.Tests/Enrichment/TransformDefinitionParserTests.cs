using Etl.Core.Enrichment.Definition;
using YamlDotNet.RepresentationModel;

namespace Etl.Core.Tests.Enrichment;

public sealed class TransformDefinitionParserTests
{
    private static (IReadOnlyList<TransformDefinition> Definitions, List<string> Problems) Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var problems = new List<string>();
        return (TransformDefinitionParser.Parse(root.Children[new YamlScalarNode("transforms")], "pipeline.yaml", problems), problems);
    }

    [Fact]
    public void Parse_EveryKind_ReadsRecordsWithLocations()
    {
        var (defs, problems) = Parse("""
            transforms:
              - derive:
                  revenue: units_sold * unit_price
                  margin: { expr: "revenue - cost", type: "decimal(18,2)" }
              - convert_currency:
                  rates: reference/currency/
                  amounts: [unit_price, total_revenue]
                  currency_by: partner
                  currencies: { acme: EUR, bolt: GBP }
                  date: order_date
                  scale: 4
              - lookup:
                  table: reference/stores.csv.gz
                  key: store
                  table_key: store_id
                  columns: { region: store_region, opened: { as: store_opened, type: date } }
                  on_missing: keep
              - lookup: { name: cat, table: reference/items.csv, key: item_type, columns: [category] }
              - late_rows: { date: order_date, key: partner }
              - code: { name: dozens_to_units, options: { columns: units_sold } }
            """);

        problems.ShouldBeEmpty();
        defs.Count.ShouldBe(6);
        var derive = defs[0].ShouldBeOfType<DeriveDefinition>();
        derive.Columns[0].ShouldBe(new DerivedColumnDefinition(new SourceLocation("pipeline.yaml", 3, 16), "revenue", "units_sold * unit_price"));
        derive.Columns[1].Type.ShouldBe("decimal(18,2)");
        var currency = defs[1].ShouldBeOfType<ConvertCurrencyDefinition>();
        currency.Location.Line.ShouldBe(5);
        currency.Currency.By.ShouldBe("partner");
        currency.Currency.Map!["bolt"].ShouldBe("GBP");
        currency.Amounts.ShouldBe(["unit_price", "total_revenue"]);
        currency.Scale.ShouldBe(4);
        var stores = defs[2].ShouldBeOfType<LookupDefinition>();
        stores.Name.ShouldBe("stores");
        stores.OnMissing.ShouldBe(RowAction.KeepWithNulls);
        stores.Columns[1].ShouldBe(new LookupColumn("opened", "store_opened", "date"));
        defs[3].ShouldBeOfType<LookupDefinition>().Columns.ShouldBe([new LookupColumn("category", "category")]);
        defs[4].ShouldBe(new LateRowsDefinition(new SourceLocation("pipeline.yaml", 19, 5), "order_date", "partner"));
        defs[5].ShouldBeOfType<CodeTransformDefinition>().Options["columns"].ShouldBe("units_sold");
    }

    [Fact]
    public void Parse_Mistakes_ReportLineColumnAndFix()
    {
        var (_, problems) = Parse("""
            transforms:
              - derive: units_sold
              - convert_currency:
                  rates: r.csv
                  amounts: [a]
                  date: d
              - lookup: { table: t.csv, key: k, columns: [c], on_missing: skip, colour: red }
              - late_rows: { key: partner }
              - pivot: {}
            """);

        problems.ShouldBe(
        [
            "pipeline.yaml:2:13: derive needs a mapping of column: expression, e.g. 'revenue: units_sold * unit_price'",
            "pipeline.yaml:4:7: say where the currency comes from with exactly one of 'currency_column: <column>', 'currency: <code>' or 'currency_by: <capture or column>' with 'currencies: { value: code }'",
            "pipeline.yaml:7:69: unknown setting 'colour'; settings here are: name, table, key, table_key, columns, on_missing, max_rows",
            "pipeline.yaml:7:63: on_missing must be 'reject' or 'keep'",
            "pipeline.yaml:8:16: 'date' is missing: the row's date column, e.g. 'date: order_date'",
            "pipeline.yaml:9:5: unknown transform 'pivot'; write one of derive, convert_currency, lookup, late_rows, code",
        ]);
    }
}
