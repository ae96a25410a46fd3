using System.IO.Compression;
using System.Text;
using Etl.Core.Enrichment;
using Etl.Core.Enrichment.Definition;
using Etl.Core.Enrichment.Reference;
using Etl.Parquet;

namespace Etl.Core.Tests.Enrichment;

public sealed class CurrencyConversionTransformTests
{
    private const string Rates = """
        currency,effective_date,rate_to_usd
        EUR,2024-01-01,1.10
        EUR,2024-02-01,1.08
        eur,2024-03-01,1.0850
        GBP,2024-01,1.25
        JPY,2024-01-01,0.0067
        """;

    private static readonly ParquetSchema s_schema = new(
    [
        new ParquetField("currency", ParquetType.String),
        new ParquetField("order_date", ParquetType.Date),
        ParquetField.Decimal("amount", 18, 2),
        new ParquetField("units", ParquetType.Int32),
    ]);

    private static async Task<CurrencyRateTable> LoadAsync(string csv = Rates, bool gzip = false)
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        if (gzip)
        {
            var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(bytes);
            }

            bytes = ms.ToArray();
        }

        return await CurrencyRateTable.LoadAsync(new MemoryStream(bytes), "reference/currency/rates.csv", cancellationToken: TestContext.Current.CancellationToken);
    }

    private static ConvertCurrencyDefinition Definition(CurrencySource? source = null, int scale = 2) =>
        new(new SourceLocation("pipeline.yaml", 20, 7), "reference/currency/rates.csv", ["amount", "units"], source ?? new CurrencySource(Column: "currency"), "order_date", scale);

    private static async Task<TransformChain> ChainAsync(CurrencySource? source = null, int scale = 2, string[]? captures = null) =>
        new(s_schema, [CurrencyConversionTransform.Create(s_schema, Definition(source, scale), await LoadAsync(), captures ?? [])]);

    [Theory]
    [InlineData("2024-01-01", "110.00")]
    [InlineData("2024-01-31", "110.00")]
    [InlineData("2024-02-01", "108.00")]
    [InlineData("2024-02-29", "108.00")]
    [InlineData("2024-03-01", "108.50")]
    [InlineData("2030-12-31", "108.50")]
    public async Task Apply_RateSelection_LatestEffectiveOnOrBeforeDate(string date, string expected)
    {
        var chain = await ChainAsync();
        var (batch, rows) = TestBatches.Run(chain, ["EUR", date, "100.00", 1]);

        rows.KeptCount.ShouldBe(1);
        TestBatches.Text(batch, "amount_usd", 0).ShouldBe(expected);
    }

    [Fact]
    public async Task Apply_DateBeforeFirstRate_RejectsWithReasonAndCode()
    {
        var chain = await ChainAsync();
        var (batch, rows) = TestBatches.Run(chain, ["EUR", "2023-12-31", "100.00", 1], ["CHF", "2024-05-01", "1.00", 1], ["GBP", "2024-01-01", "2.00", 1]);

        rows[0].ShouldBe(RowState.Rejected);
        rows.Rejections[0].Reason.ShouldBe("no USD rate for EUR on or before 2023-12-31 in reference/currency/rates.csv");
        rows.Rejections[0].Code.ShouldBe("missing_rate:reference/currency/rates.csv");
        rows.Rejections[1].Reason.ShouldStartWith("no USD rate for CHF on or before 2024-05-01");
        rows[2].ShouldBe(RowState.Kept);
        TestBatches.Text(batch, "amount_usd", 2).ShouldBe("2.50");
        chain.ReferenceVersions["missing_rate:reference/currency/rates.csv"].Length.ShouldBe(64);
    }

    [Theory]
    [InlineData("0.05", 1, "0.0")]
    [InlineData("8.00", 1, "0.1")]
    [InlineData("1.00", 4, "0.0067")]
    [InlineData("75.00", 2, "0.50")]
    [InlineData("-75.00", 2, "-0.50")]
    [InlineData("74.62", 2, "0.50")]
    [InlineData("74.63", 2, "0.50")]
    [InlineData("-74.63", 2, "-0.50")]
    [InlineData("0.01", 6, "0.000067")]
    public async Task Apply_Rounding_HalfAwayFromZeroAtOutputScale(string amount, int scale, string expected)
    {
        // JPY at 0.0067: 0.05 * 0.0067 = 0.000335 -> 0.0 at scale 1; 74.63 * 0.0067 = 0.500021 -> 0.50.
        var chain = await ChainAsync(scale: scale);
        var (batch, _) = TestBatches.Run(chain, ["JPY", "2024-06-01", amount, 1]);

        TestBatches.Text(batch, "amount_usd", 0).ShouldBe(expected);
    }

    [Fact]
    public async Task Apply_HalfExactly_RoundsAwayFromZero()
    {
        // GBP 1.25 * 0.02 = 0.025 -> 0.03; -0.02 -> -0.03.
        var chain = await ChainAsync();
        var (batch, _) = TestBatches.Run(chain, ["GBP", "2024-06-01", "0.02", 1], ["GBP", "2024-06-01", "-0.02", 1]);

        TestBatches.Text(batch, "amount_usd", 0).ShouldBe("0.03");
        TestBatches.Text(batch, "amount_usd", 1).ShouldBe("-0.03");
    }

    [Fact]
    public async Task Apply_NullAmountAndUsd_NullOutputAndUnitRate()
    {
        var chain = await ChainAsync();
        var (batch, rows) = TestBatches.Run(chain, ["USD", "2020-01-01", "12.34", 5], ["EUR", "2024-01-05", null, null], [null, "2024-01-05", null, null], ["EUR", "2024-01-05", null, 3]);

        rows.KeptCount.ShouldBe(4);
        TestBatches.Text(batch, "amount_usd", 0).ShouldBe("12.34");
        TestBatches.Text(batch, "units_usd", 0).ShouldBe("5.00");
        TestBatches.Text(batch, "amount_usd", 1).ShouldBeNull();
        TestBatches.Text(batch, "amount_usd", 2).ShouldBeNull();
        TestBatches.Text(batch, "units_usd", 3).ShouldBe("3.30");
    }

    [Fact]
    public async Task Apply_CurrencyPerPartnerCapture_UsesFileCapture()
    {
        var chain = await ChainAsync(new CurrencySource(By: "partner", Map: new Dictionary<string, string> { ["acme"] = "eur", ["bolt"] = "GBP" }), captures: ["partner"]);

        chain.BeginFile(new Dictionary<string, string> { ["partner"] = "bolt" });
        var (batch, _) = TestBatches.Run(chain, ["ignored", "2024-06-01", "10.00", 1]);
        TestBatches.Text(batch, "amount_usd", 0).ShouldBe("12.50");

        chain.BeginFile(new Dictionary<string, string> { ["partner"] = "zed" });
        var (_, rows) = TestBatches.Run(chain, ["ignored", "2024-06-01", "10.00", 1]);
        rows.Rejections[0].Reason.ShouldContain("no currency configured for partner 'zed'");
    }

    [Fact]
    public async Task Apply_CurrencyByColumn_MapsValueToCode()
    {
        var chain = await ChainAsync(new CurrencySource(By: "currency", Map: new Dictionary<string, string> { ["Europe"] = "EUR", ["UK"] = "gbp" }));
        var (batch, rows) = TestBatches.Run(chain, ["UK", "2024-06-01", "10.00", 1], ["Europe", "2023-06-01", "10.00", 1], ["Mars", "2024-06-01", "10.00", 1]);

        TestBatches.Text(batch, "amount_usd", 0).ShouldBe("12.50");
        rows.Rejections[0].Reason.ShouldStartWith("no USD rate for EUR on or before 2023-06-01");
        rows.Rejections[1].Reason.ShouldContain("no currency configured for currency 'Mars'");
    }

    [Fact]
    public async Task Apply_FixedCurrency_ConvertsEveryRow()
    {
        var chain = await ChainAsync(new CurrencySource(Fixed: "GBP"));
        var (batch, _) = TestBatches.Run(chain, [null, "2024-06-01", "4.00", null]);

        TestBatches.Text(batch, "amount_usd", 0).ShouldBe("5.00");
        TestBatches.Text(batch, "units_usd", 0).ShouldBeNull();
    }

    [Fact]
    public async Task Apply_ResultTooLarge_RejectsRow()
    {
        var chain = new TransformChain(s_schema, [CurrencyConversionTransform.Create(s_schema, Definition() with { Precision = 4 }, await LoadAsync(), [])]);
        var (_, rows) = TestBatches.Run(chain, ["EUR", "2024-06-01", "1000.00", 1]);

        rows.Rejections[0].Column.ShouldBe("amount_usd");
        rows.Rejections[0].Reason.ShouldContain("does not fit decimal(4,2)");
    }

    [Fact]
    public async Task Create_BadDefinition_ListsEveryProblem()
    {
        var rates = await LoadAsync();
        var definition = new ConvertCurrencyDefinition(new SourceLocation("pipeline.yaml", 20, 7), "r.csv", ["amount", "nope", "currency"], new CurrencySource(Fixed: "XYZ"), "amount");

        var ex = Should.Throw<TransformDefinitionException>(() => CurrencyConversionTransform.Create(s_schema, definition, rates, []));

        ex.Problems.Count.ShouldBe(4);
        ex.Message.ShouldContain("pipeline.yaml:20:7: convert_currency: date column 'amount' is Decimal");
        ex.Message.ShouldContain("amount column 'nope' does not exist");
        ex.Message.ShouldContain("amount column 'currency' is String");
        ex.Message.ShouldContain("currency 'XYZ' has no rates");
    }

    [Fact]
    public async Task LoadAsync_GzipAndMonths_SameHashAsPlainEquivalent()
    {
        var gz = await LoadAsync(gzip: true);
        var plain = await LoadAsync(Rates.Replace("2024-01,", "2024-01-01,", StringComparison.Ordinal));
        var reordered = await LoadAsync("""
            code,date,rate
            JPY,2024-01-01,0.00670
            GBP,2024-01-01,1.25
            EUR,2024-03-01,1.085
            EUR,2024-02-01,1.08
            EUR,2024-01-01,1.1
            """);
        var changed = await LoadAsync(Rates + "\nCHF,2024-01-01,1.13");

        gz.RowCount.ShouldBe(5);
        gz.ContentHash.ShouldBe(plain.ContentHash);
        reordered.ContentHash.ShouldBe(plain.ContentHash);
        changed.ContentHash.ShouldNotBe(plain.ContentHash);
    }

    [Theory]
    [InlineData("currency,rate\nEUR,1.1", "no effective date column")]
    [InlineData("currency,date,rate\nEUR,2024-01-01,1.1\nEUR,2024-01-01,1.2", ":3: EUR has two rates effective on 2024-01-01 (also line 2)")]
    [InlineData("currency,date,rate\nEUR,01/02/2024,1.1", ":2: effective date '01/02/2024' is not a date")]
    [InlineData("currency,date,rate\nEUR,2024-01-01,-1", ":2: rate '-1' is not a positive number")]
    [InlineData("currency,date,rate\nEUR,2024-01-01,0.00000000001", "at most 10 decimal places")]
    public async Task LoadAsync_BadTable_ClearError(string csv, string expected)
    {
        var ex = await Should.ThrowAsync<ReferenceDataException>(() => LoadAsync(csv));

        ex.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task LoadAsync_OverRowLimit_ClearError()
    {
        var ex = await Should.ThrowAsync<ReferenceDataException>(() =>
            CurrencyRateTable.LoadAsync(new MemoryStream(Encoding.UTF8.GetBytes(Rates)), "r.csv", maxRows: 3, cancellationToken: TestContext.Current.CancellationToken));

        ex.Message.ShouldContain("more than 3 rates (the limit)");
    }
}
