using Etl.Core.Enrichment;
using Etl.Core.Enrichment.Definition;
using Etl.Parquet;

namespace Etl.Core.Tests.Enrichment;

public sealed class LateRowsTransformTests
{
    private static readonly ParquetSchema s_schema = new(
    [
        new ParquetField("store", ParquetType.String),
        new ParquetField("order_date", ParquetType.Date),
    ]);

    private static readonly Dictionary<string, DateOnly> s_watermarks = new()
    {
        ["acme"] = LateRowsTransform.MonthStart(2024, 3),
        ["bolt"] = LateRowsTransform.MonthStart(2023, 12),
    };

    [Fact]
    public void Apply_CaptureKey_FiltersRowsBeforeLatestCommittedPeriod()
    {
        var definition = new LateRowsDefinition(SourceLocation.None, "order_date", "partner");
        var chain = new TransformChain(s_schema, [LateRowsTransform.Create(s_schema, definition, s_watermarks, ["partner"])]);

        chain.BeginFile(new Dictionary<string, string> { ["partner"] = "acme" });
        var (_, rows) = TestBatches.Run(chain, ["s", "2024-02-29"], ["s", "2024-03-01"], ["s", "2024-04-15"], ["s", null]);

        rows.States.ToArray().ShouldBe([RowState.Filtered, RowState.Kept, RowState.Kept, RowState.Kept]);
        rows.FilterName(0).ShouldBe("late");
        var counts = new Dictionary<string, long>();
        rows.AddFilterCounts(counts);
        counts["late"].ShouldBe(1);

        chain.BeginFile(new Dictionary<string, string> { ["partner"] = "new-partner" });
        var (_, fresh) = TestBatches.Run(chain, ["s", "2001-01-01"]);
        fresh.KeptCount.ShouldBe(1);
    }

    [Fact]
    public void Apply_ColumnKeyWithReject_RejectsWithReason()
    {
        var definition = new LateRowsDefinition(SourceLocation.None, "order_date", "store", RowAction.Reject);
        var chain = new TransformChain(s_schema, [LateRowsTransform.Create(s_schema, definition, s_watermarks, [])]);

        var (_, rows) = TestBatches.Run(chain, ["bolt", "2023-11-30"], ["acme", "2023-11-30"], ["zed", "2023-11-30"], ["bolt", "2023-12-01"]);

        rows.States.ToArray().ShouldBe([RowState.Rejected, RowState.Rejected, RowState.Kept, RowState.Kept]);
        rows.Rejections[0].Reason.ShouldBe("order_date 2023-11-30 is not after 2023-11-30, the latest date already committed for store 'bolt'");
    }

    [Fact]
    public void Create_UnknownKeyOrDate_ConfigurationError()
    {
        var definition = new LateRowsDefinition(new SourceLocation("p.yaml", 4, 5), "store", "nope");

        var ex = Should.Throw<TransformDefinitionException>(() => LateRowsTransform.Create(s_schema, definition, s_watermarks, ["partner"]));

        ex.Problems.Count.ShouldBe(2);
        ex.Problems[0].ShouldStartWith("p.yaml:4:5: late_rows: date column 'store' must be a date");
        ex.Problems[1].ShouldContain("key 'nope' is neither a capture of the match pattern (partner) nor a string column");
    }
}
