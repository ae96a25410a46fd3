using System.Text;
using Etl.Core.Typing;

namespace Etl.Core.Tests.Typing;

public sealed class ValueParserTests
{
    [Theory]
    [InlineData("651.20", 18, 2, "65120")]
    [InlineData("651.2", 18, 2, "65120")]
    [InlineData("651", 18, 2, "65100")]
    [InlineData("-0.01", 18, 2, "-1")]
    [InlineData("+12.5", 18, 2, "1250")]
    [InlineData(".5", 18, 2, "50")]
    [InlineData("7.", 18, 2, "700")]
    [InlineData("0.000", 18, 2, "0")]
    [InlineData("1.2300", 18, 2, "123")]
    [InlineData("99999999999999999999999999999999999999", 38, 0, "99999999999999999999999999999999999999")]
    [InlineData("-9999999999999999.99", 18, 2, "-999999999999999999")]
    [InlineData("0.05", 18, 2, "5")]
    [InlineData("-0.00", 18, 2, "0")]
    [InlineData("00012.50", 18, 2, "1250")]
    [InlineData("9999999999999999999", 38, 0, "9999999999999999999")]
    [InlineData("18446744073709551616", 38, 0, "18446744073709551616")]
    [InlineData("-12345678901234567.8", 38, 3, "-12345678901234567800")]
    [InlineData("1234567890123456789.0123456789", 38, 10, "12345678901234567890123456789")]
    public void TryParseDecimal_ValidText_ReturnsExactUnscaled(string text, int precision, int scale, string expected)
    {
        ValueParser.TryParseDecimal(Encoding.UTF8.GetBytes(text), precision, scale, out var unscaled, out var problem).ShouldBeTrue(problem);
        unscaled.ToString().ShouldBe(expected);
    }

    [Theory]
    [InlineData("651.205", 18, 2, "more than 2 decimal places")]
    [InlineData("1.2.3", 18, 2, "two decimal points")]
    [InlineData("12a", 18, 2, "not a number")]
    [InlineData("", 18, 2, "not a number")]
    [InlineData("-", 18, 2, "not a number")]
    [InlineData(".", 18, 2, "not a number")]
    [InlineData("1e5", 18, 2, "not a number")]
    [InlineData("1,234.50", 18, 2, "not a number")]
    [InlineData("1234.5", 5, 2, "does not fit decimal(5,2)")]
    [InlineData("100000000000000000000000000000000000000", 38, 0, "too many digits")]
    [InlineData("12345678901234567890", 19, 0, "does not fit decimal(19,0)")]
    [InlineData("1234567890123456789012345678901234567", 38, 2, "does not fit decimal(38,2)")]
    [InlineData("99999999999999999999999999999999999999", 38, 2, "does not fit decimal(38,2)")]
    [InlineData("99.5", 3, 2, "does not fit decimal(3,2)")]
    public void TryParseDecimal_BadText_RefusesWithReason(string text, int precision, int scale, string reason)
    {
        ValueParser.TryParseDecimal(Encoding.UTF8.GetBytes(text), precision, scale, out _, out var problem).ShouldBeFalse();
        problem.ShouldNotBeNull().ShouldContain(reason);
    }

    [Fact]
    public void TryRescaleDecimal_AnyUnscaledAndScales_AgreesWithParsingItsText()
    {
        long[] values = [0, 1, -1, 5, 10, -10, 120, 12345, -12345, 99999, 100000, 123456789, -1000000000, 999999999999999999, long.MaxValue, long.MinValue];
        var checkedCases = 0;
        foreach (var unscaled in values)
        {
            for (var fromScale = 0; fromScale <= 6; fromScale++)
            {
                var text = Encoding.UTF8.GetBytes(DecimalText.Format(unscaled, fromScale));
                foreach (var (precision, scale) in new[] { (1, 0), (5, 2), (9, 0), (10, 2), (18, 2), (18, 6), (19, 0), (38, 4), (38, 10), (4, 4) })
                {
                    var parsed = ValueParser.TryParseDecimal(text, precision, scale, out var expected, out var expectedProblem);
                    var rescaled = ValueParser.TryRescaleDecimal(unscaled, fromScale, precision, scale, out var actual, out var problem);
                    var at = $"{Encoding.UTF8.GetString(text)} as decimal({precision},{scale})";
                    rescaled.ShouldBe(parsed, at);
                    actual.ShouldBe(expected, at);
                    problem.ShouldBe(expectedProblem, at);
                    checkedCases++;
                }
            }
        }

        checkedCases.ShouldBe(16 * 7 * 10);
    }

    [Theory]
    [InlineData(65120, 2, "651.20")]
    [InlineData(-1, 2, "-0.01")]
    [InlineData(0, 2, "0.00")]
    [InlineData(12345, 0, "12345")]
    public void Format_Unscaled_WritesExactDecimals(long unscaled, int scale, string expected) =>
        DecimalText.Format(unscaled, scale).ShouldBe(expected);

    [Theory]
    [InlineData("1970-01-01", null, 0)]
    [InlineData("2024-02-29", null, 19782)]
    [InlineData("1969-12-31", null, -1)]
    [InlineData("2/29/2024", "M/d/yyyy", 19782)]
    [InlineData("12/31/2010", "M/d/yyyy", 14974)]
    [InlineData("01/02/2010", "M/d/yyyy", 14611)]
    [InlineData("31.12.2010", "dd.MM.yyyy", 14974)]
    [InlineData("2010-12-31", "yyyy-MM-dd", 14974)]
    public void TryParseDate_KnownFormats_ReturnsDaysSinceEpoch(string text, string? format, int expected)
    {
        ValueParser.TryParseDate(Encoding.UTF8.GetBytes(text), format, out var days).ShouldBeTrue();
        days.ShouldBe(expected);
    }

    [Theory]
    [InlineData("2023-02-29", null)]
    [InlineData("2024-13-01", null)]
    [InlineData("2024-1-1x", null)]
    [InlineData("13/1/2024", "M/d/yyyy")]
    [InlineData("2/30/2024", "M/d/yyyy")]
    [InlineData("2/3/24", "M/d/yyyy")]
    [InlineData("2024-02-03", "M/d/yyyy")]
    [InlineData("", null)]
    [InlineData("yesterday", "dd.MM.yyyy")]
    public void TryParseDate_BadText_ReturnsFalse(string text, string? format) =>
        ValueParser.TryParseDate(Encoding.UTF8.GetBytes(text), format, out _).ShouldBeFalse();

    [Theory]
    [InlineData("1970-01-01T00:00:01Z", null, 1_000_000L)]
    [InlineData("1970-01-01 00:00:00.5", null, 500_000L)]
    [InlineData("1970-01-01T02:00:00+02:00", null, 0L)]
    [InlineData("01/01/1970 00:01", "MM/dd/yyyy HH:mm", 60_000_000L)]
    public void TryParseTimestamp_Text_ReturnsUtcMicros(string text, string? format, long expected)
    {
        ValueParser.TryParseTimestamp(Encoding.UTF8.GetBytes(text), format, out var micros).ShouldBeTrue();
        micros.ShouldBe(expected);
    }

    [Theory]
    [InlineData("42", 42)]
    [InlineData("-2147483648", int.MinValue)]
    public void TryParseInt32_Valid_Parses(string text, int expected)
    {
        ValueParser.TryParseInt32(Encoding.UTF8.GetBytes(text), out var v).ShouldBeTrue();
        v.ShouldBe(expected);
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("4.0")]
    [InlineData("12 ")]
    [InlineData("")]
    public void TryParseInt32_Bad_ReturnsFalse(string text) =>
        ValueParser.TryParseInt32(Encoding.UTF8.GetBytes(text), out _).ShouldBeFalse();

    [Fact]
    public void TryParseInt64_LargeValue_Parses()
    {
        ValueParser.TryParseInt64("9223372036854775807"u8, out var v).ShouldBeTrue();
        v.ShouldBe(long.MaxValue);
    }

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-2e3", -2000.0)]
    public void TryParseDouble_Valid_Parses(string text, double expected)
    {
        ValueParser.TryParseDouble(Encoding.UTF8.GetBytes(text), out var v).ShouldBeTrue();
        v.ShouldBe(expected);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("abc")]
    public void TryParseDouble_Bad_ReturnsFalse(string text) =>
        ValueParser.TryParseDouble(Encoding.UTF8.GetBytes(text), out _).ShouldBeFalse();

    [Theory]
    [InlineData("true", true)]
    [InlineData("FALSE", false)]
    [InlineData("Y", true)]
    [InlineData("0", false)]
    [InlineData("yes", true)]
    public void TryParseBoolean_Valid_Parses(string text, bool expected)
    {
        ValueParser.TryParseBoolean(Encoding.UTF8.GetBytes(text), out var v).ShouldBeTrue();
        v.ShouldBe(expected);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("")]
    [InlineData("truee")]
    public void TryParseBoolean_Bad_ReturnsFalse(string text) =>
        ValueParser.TryParseBoolean(Encoding.UTF8.GetBytes(text), out _).ShouldBeFalse();

    [Fact]
    public void Trim_SpacesAndTabs_Removed() =>
        Encoding.UTF8.GetString(ValueParser.Trim(" \t a b \t"u8)).ShouldBe("a b");
}
