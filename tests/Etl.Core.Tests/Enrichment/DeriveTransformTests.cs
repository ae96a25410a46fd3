using Etl.Core.Enrichment;
using Etl.Core.Enrichment.Definition;
using Etl.Parquet;

namespace Etl.Core.Tests.Enrichment;

public sealed class DeriveTransformTests
{
    private static readonly ParquetSchema s_sales = new(
    [
        new ParquetField("country", ParquetType.String),
        new ParquetField("order_date", ParquetType.Date),
        new ParquetField("units_sold", ParquetType.Int32),
        ParquetField.Decimal("unit_price", 18, 2),
        ParquetField.Decimal("unit_cost", 18, 2),
        new ParquetField("discount", ParquetType.Double),
        new ParquetField("big", ParquetType.Int64),
        ParquetField.Decimal("huge", 38, 0),
        new ParquetField("flag", ParquetType.Boolean),
    ]);

    private static TransformChain Chain(params (string Name, string Expression)[] columns) =>
        new(s_sales, [DeriveTransform.Create(s_sales, [.. columns.Select(c => new DerivedColumnDefinition(new SourceLocation("pipeline.yaml", 12, 9), c.Name, c.Expression))])]);

    private static TransformChain Typed(string name, string expression, string type) =>
        new(s_sales, [DeriveTransform.Create(s_sales, [new DerivedColumnDefinition(SourceLocation.None, name, expression, type)])]);

    private static object?[] Row(string? country = "Chad", string? date = "2024-03-15", int? units = 3, string? price = "2.50", string? cost = "1.25", double? discount = 0.5, long? big = 7, string? huge = "1", bool? flag = true) =>
        [country, date, units, price, cost, discount, big, huge, flag];

    [Fact]
    public void Apply_IntTimesDecimal_ExactDecimalWithSummedScale()
    {
        var chain = Chain(("revenue", "units_sold * unit_price"), ("profit", "revenue - units_sold * unit_cost"));
        var (batch, rows) = TestBatches.Run(chain, Row(units: 3, price: "2.50", cost: "1.25"), Row(units: 1000, price: "0.01", cost: "0.02"));

        chain.OutputSchema.Fields[^2].ShouldBe(ParquetField.Decimal("revenue", 29, 2));
        TestBatches.Text(batch, "revenue", 0).ShouldBe("7.50");
        TestBatches.Text(batch, "profit", 0).ShouldBe("3.75");
        TestBatches.Text(batch, "profit", 1).ShouldBe("-10.00");
        rows.KeptCount.ShouldBe(2);
    }

    [Fact]
    public void Apply_NullOperands_FollowSqlNullSemantics()
    {
        var chain = Chain(
            ("product", "units_sold * unit_price"),
            ("eq_null", "units_sold = null"),
            ("is_null", "units_sold is null"),
            ("and_false", "flag and false"),
            ("or_true", "flag or true"),
            ("and_true", "flag and true"),
            ("fallback", "coalesce(unit_price, unit_cost, 0)"),
            ("joined", "concat(country, '-', units_sold)"),
            ("upper_null", "upper(country)"));
        var (batch, _) = TestBatches.Run(chain, Row(country: null, units: null, price: null, flag: null));

        TestBatches.Text(batch, "product", 0).ShouldBeNull();
        TestBatches.Text(batch, "eq_null", 0).ShouldBeNull();
        TestBatches.Text(batch, "is_null", 0).ShouldBe("true");
        TestBatches.Text(batch, "and_false", 0).ShouldBe("false");
        TestBatches.Text(batch, "or_true", 0).ShouldBe("true");
        TestBatches.Text(batch, "and_true", 0).ShouldBeNull();
        TestBatches.Text(batch, "fallback", 0).ShouldBe("1.25");
        TestBatches.Text(batch, "joined", 0).ShouldBe("-");
        TestBatches.Text(batch, "upper_null", 0).ShouldBeNull();
    }

    [Fact]
    public void Apply_DateAndStringFunctions_ComputeEveryRow()
    {
        var chain = Chain(
            ("y", "year(order_date)"),
            ("m", "month(order_date)"),
            ("d", "day(order_date)"),
            ("u", "upper(trim(country))"),
            ("l", "lower(country)"),
            ("label", "concat(upper(country), ' ', year(order_date), '/', unit_price)"),
            ("recent", "order_date >= date '2024-03-01'"));
        var (batch, _) = TestBatches.Run(chain, Row(country: "  Côte d'Ivoire ", date: "2024-02-29"), Row(country: "Chad", date: "2024-12-31"));

        TestBatches.Text(batch, "y", 0).ShouldBe("2024");
        TestBatches.Text(batch, "m", 0).ShouldBe("2");
        TestBatches.Text(batch, "d", 0).ShouldBe("29");
        TestBatches.Text(batch, "u", 0).ShouldBe("CÔTE D'IVOIRE");
        TestBatches.Text(batch, "l", 1).ShouldBe("chad");
        TestBatches.Text(batch, "label", 1).ShouldBe("CHAD 2024/2.50");
        TestBatches.Text(batch, "recent", 0).ShouldBe("false");
        TestBatches.Text(batch, "recent", 1).ShouldBe("true");
    }

    [Fact]
    public void Apply_CaseWhen_TakesFirstTrueBranchElseValue()
    {
        var chain = Chain(("size", "case when units_sold >= 100 then 'large' when units_sold >= 10 then 'medium' else 'small' end"), ("no_else", "case when flag then 1 end"));
        var (batch, _) = TestBatches.Run(chain, Row(units: 500, flag: false), Row(units: 10), Row(units: null, flag: null));

        TestBatches.Text(batch, "size", 0).ShouldBe("large");
        TestBatches.Text(batch, "size", 1).ShouldBe("medium");
        TestBatches.Text(batch, "size", 2).ShouldBe("small");
        TestBatches.Text(batch, "no_else", 0).ShouldBeNull();
        TestBatches.Text(batch, "no_else", 1).ShouldBe("1");
    }

    [Fact]
    public void Apply_DecimalOverflow_RejectsOnlyThatRow()
    {
        var chain = Chain(("plus_one", "huge + 1"));
        var (batch, rows) = TestBatches.Run(chain, Row(huge: "99999999999999999999999999999999999999"), Row(huge: "5"));

        rows[0].ShouldBe(RowState.Rejected);
        rows.Rejections[0].Column.ShouldBe("plus_one");
        rows.Rejections[0].Reason.ShouldContain("decimal overflow");
        rows.Rejections[0].Reason.ShouldContain("huge + 1");
        rows[1].ShouldBe(RowState.Kept);
        TestBatches.Text(batch, "plus_one", 1).ShouldBe("6");
    }

    [Fact]
    public void Apply_IntegerOverflow_RejectsRow()
    {
        var chain = Chain(("twice", "big * 2"));
        var (_, rows) = TestBatches.Run(chain, Row(big: long.MaxValue), Row(big: 4));

        rows[0].ShouldBe(RowState.Rejected);
        rows.Rejections[0].Reason.ShouldContain("integer overflow");
        rows[1].ShouldBe(RowState.Kept);
    }

    [Fact]
    public void Apply_OverflowInBranchNotTaken_DoesNotReject()
    {
        var chain = Chain(("safe", "case when huge > 1000 then 0 else huge + 1 end"), ("safe2", "coalesce(unit_price, huge + 1)"));
        var (batch, rows) = TestBatches.Run(chain, Row(huge: "99999999999999999999999999999999999999"));

        rows[0].ShouldBe(RowState.Kept);
        TestBatches.Text(batch, "safe", 0).ShouldBe("0");
        TestBatches.Text(batch, "safe2", 0).ShouldBe("2.50");
    }

    [Theory]
    [InlineData("0.125", "0.13")]
    [InlineData("-0.125", "-0.13")]
    [InlineData("0.124", "0.12")]
    [InlineData("-0.115", "-0.12")]
    public void Apply_DeclaredScale_RoundsHalfAwayFromZero(string value, string expected)
    {
        var schema = new ParquetSchema([ParquetField.Decimal("x", 18, 3)]);
        var chain = new TransformChain(schema, [DeriveTransform.Create(schema, [new DerivedColumnDefinition(SourceLocation.None, "r", "x", "decimal(18,2)")])]);
        var (batch, _) = TestBatches.Run(chain, [value]);

        TestBatches.Text(batch, "r", 0).ShouldBe(expected);
    }

    [Fact]
    public void Apply_Division_ExactWithRoundingAndNullOnZero()
    {
        var chain = Typed("avg", "unit_price / units_sold", "decimal(18,4)");
        var (batch, _) = TestBatches.Run(chain, Row(units: 3, price: "10.00"), Row(units: 0, price: "1.00"), Row(units: 3, price: "-20.00"));

        TestBatches.Text(batch, "avg", 0).ShouldBe("3.3333");
        TestBatches.Text(batch, "avg", 1).ShouldBeNull();
        TestBatches.Text(batch, "avg", 2).ShouldBe("-6.6667");
    }

    [Fact]
    public void Apply_DoubleArithmetic_PromotesToDouble()
    {
        var chain = Chain(("net", "unit_price * (1 - discount)"));
        var (batch, _) = TestBatches.Run(chain, Row(price: "2.00", discount: 0.25));

        chain.OutputSchema.Fields[^1].Type.ShouldBe(ParquetType.Double);
        TestBatches.Text(batch, "net", 0).ShouldBe("1.5");
    }

    [Fact]
    public void Create_TypeError_NamesColumnAndPosition()
    {
        var ex = Should.Throw<TransformDefinitionException>(() => Chain(("bad", "units_sold + country")));

        ex.ShouldBeAssignableTo<EtlException>();
        ex.Message.ShouldContain("pipeline.yaml:12:9");
        ex.Message.ShouldContain("derived column 'bad', position 14");
        ex.Message.ShouldContain("'+' needs numbers but this operand is string");
        ex.Message.ShouldContain("concat(a, b)");
    }

    [Theory]
    [InlineData("units_sold * ", 14, "expected a column, a literal or '('")]
    [InlineData("unknown_col + 1", 1, "unknown column 'unknown_col'")]
    [InlineData("year(country)", 6, "year() needs a date or timestamp")]
    [InlineData("case when units_sold then 1 end", 11, "'when' needs boolean")]
    [InlineData("case when flag then 1 else 'x' end", 28, "mix int32 and string")]
    [InlineData("'open", 1, "string literal is not closed")]
    [InlineData("frobnicate(units_sold)", 1, "unknown function 'frobnicate'")]
    [InlineData("order_date > 'x'", 12, "cannot compare date with string")]
    [InlineData("upper(country, country)", 1, "takes 1 argument(s) but has 2")]
    [InlineData("date '2024-13-01'", 1, "is not a date")]
    [InlineData("units_sold units_sold", 12, "unexpected 'units_sold'")]
    public void Create_BadExpression_ReportsPositionAndReason(string expression, int position, string reason)
    {
        var ex = Should.Throw<TransformDefinitionException>(() => Chain(("bad", expression)));

        ex.Message.ShouldContain($"position {position}:");
        ex.Message.ShouldContain(reason);
    }

    [Fact]
    public void Create_SeveralBadColumns_ListsEveryProblem()
    {
        var ex = Should.Throw<TransformDefinitionException>(() => Chain(("a", "nope"), ("b", "1 +"), ("country", "1")));

        ex.Problems.Count.ShouldBe(3);
        ex.Problems[2].ShouldContain("derived column 'country' already exists");
    }

    [Fact]
    public void Create_DecimalTimesDecimal_FollowsPrecisionRules()
    {
        var chain = Chain(("a", "unit_price * unit_cost"), ("b", "unit_price + huge"), ("c", "unit_price / unit_cost"), ("d", "huge * huge"));

        chain.OutputSchema.Fields[^4].ShouldBe(ParquetField.Decimal("a", 37, 4));
        chain.OutputSchema.Fields[^3].ShouldBe(ParquetField.Decimal("b", 38, 2));
        chain.OutputSchema.Fields[^2].ShouldBe(ParquetField.Decimal("c", 38, 20));
        chain.OutputSchema.Fields[^1].ShouldBe(ParquetField.Decimal("d", 38, 0));
    }
}
