using System.CommandLine;
using System.IO.Compression;
using Etl.Core.Generation;

namespace Etl.Cli.Commands;

/// <summary><c>etl generate</c>: writes test data shaped like the public "Sales Records" file.</summary>
internal static class GenerateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var output = new Argument<string>("output") { Description = "File to write: .csv, .jsonl (JSON lines) or .parquet (sales-records shape); .csv.gz or .jsonl.gz to gzip it." };
        var rows = new Option<long>("--rows", "-n") { Description = "Data rows (0 or more).", DefaultValueFactory = _ => 1000 };
        rows.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && long.TryParse(t.Value, System.Globalization.CultureInfo.InvariantCulture, out var n) && n < 0)
            {
                r.AddError("--rows must be 0 or more.");
            }
        });
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed writes the same file.", DefaultValueFactory = _ => 1 };
        var bad = new Option<double>("--bad-rows") { Description = "Share of rows (0..1) with an unparseable number or date." };
        var drop = new Option<string?>("--drop-column") { Description = "Leave this column out (e.g. \"Order Date\") to make a file a pipeline must quarantine." };
        var extra = new Option<string?>("--extra-column") { Description = "Add a column with this name (sales-records shape)." };
        var shape = new Option<string>("--shape") { Description = "sales-records, or partner-sales (a monthly partner file).", DefaultValueFactory = _ => "sales-records" };
        var layout = new Option<string>("--layout") { Description = "partner-sales: layout a or b (b has other header names, another order and an extra column).", DefaultValueFactory = _ => "a" };
        var month = new Option<string>("--month") { Description = "partner-sales: the month of the orders, yyyy-MM.", DefaultValueFactory = _ => "2024-01" };
        var command = new Command("generate", "Write test data: the public 2-million-row \"Sales Records\" shape (as CSV, JSON lines or Parquet), or monthly partner sales files.")
        {
            output, rows, seed, bad, drop, extra, shape, layout, month,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = Path.GetFullPath(result.GetValue(output)!);
            var badRate = result.GetValue(bad);
            if (badRate is < 0 or > 1)
            {
                await stderr.WriteLineAsync("--bad-rows is a share from 0 to 1, e.g. 0.01 for one row in a hundred.").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var shapeName = result.GetValue(shape);
            if (shapeName == "partner-sales")
            {
                if (!DateOnly.TryParseExact(result.GetValue(month) + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var m)
                    || result.GetValue(layout) is not ("a" or "b") || result.GetValue(rows) > int.MaxValue)
                {
                    await stderr.WriteLineAsync("partner-sales needs --month yyyy-MM (e.g. 2024-01), --layout a or b, and at most 2,147,483,647 --rows.").ConfigureAwait(false);
                    return ExitCodes.ConfigurationError;
                }

                var partner = new PartnerSalesOptions((int)result.GetValue(rows), result.GetValue(layout)![0], m, result.GetValue(seed), badRate, result.GetValue(drop));
                var pf = File.Create(path);
                await using (pf.ConfigureAwait(false))
                {
                    await PartnerSalesGenerator.WriteAsync(pf, partner, cancellationToken).ConfigureAwait(false);
                }

                await stdout.WriteLineAsync($"wrote {partner.Rows:N0} rows to {path}").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            if (shapeName != "sales-records")
            {
                await stderr.WriteLineAsync($"Unknown --shape '{shapeName}'; use sales-records or partner-sales.").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            var options = new SalesRecordsOptions(result.GetValue(rows), result.GetValue(seed), badRate, result.GetValue(drop), result.GetValue(extra));
            var gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
            var stem = gzip ? path[..^3] : path;
            var format = stem.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? "parquet"
                : stem.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || stem.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) ? "jsonl" : "csv";
            if (format == "parquet" && (gzip || badRate > 0))
            {
                await stderr.WriteLineAsync("Parquet output is typed and compressed already: it takes no --bad-rows and no .gz (use .csv or .jsonl for bad rows).").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                Stream target = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
                await using (target.ConfigureAwait(false))
                {
                    await (format switch
                    {
                        "parquet" => SalesRecordsGenerator.WriteParquetAsync(target, options, cancellationToken: cancellationToken),
                        "jsonl" => SalesRecordsGenerator.WriteJsonlAsync(target, options, cancellationToken),
                        _ => SalesRecordsGenerator.WriteAsync(target, options, cancellationToken),
                    }).ConfigureAwait(false);
                }
            }

            await stdout.WriteLineAsync($"wrote {options.Rows:N0} rows to {path} ({new FileInfo(path).Length:N0} bytes)").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
