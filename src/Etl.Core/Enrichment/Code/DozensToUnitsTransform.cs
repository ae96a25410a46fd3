using Etl.Parquet;

namespace Etl.Core.Enrichment.Code;

/// <summary>
/// Sample code transform: a partner reports quantities in dozens; multiply the named integer or decimal columns by 12 in
/// place, so the dataset holds units like every other partner. Options: <c>columns</c> (comma-separated, required),
/// <c>when_capture</c> and <c>equals</c> (only for files whose glob capture has that value, e.g. partner = acme).
/// A product that overflows the column's type rejects the row.
/// </summary>
/// <example>
/// <code>
/// transforms:
///   - code:
///       name: dozens_to_units
///       options: { columns: "units_sold", when_capture: partner, equals: acme }
/// </code>
/// </example>
public sealed class DozensToUnitsTransform : ICodeTransform
{
    /// <inheritdoc />
    public string Name => "dozens_to_units";

    /// <inheritdoc />
    public string Version => "1";

    /// <inheritdoc />
    public IBatchTransform Bind(ParquetSchema input, IReadOnlyDictionary<string, string> options, string location)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        foreach (var key in options.Keys)
        {
            if (key is not ("columns" or "when_capture" or "equals"))
            {
                problems.Add($"{location}: dozens_to_units: unknown option '{key}'; options are columns, when_capture, equals");
            }
        }

        var columns = new List<int>();
        if (!options.TryGetValue("columns", out var list) || string.IsNullOrWhiteSpace(list))
        {
            problems.Add($"{location}: dozens_to_units: option 'columns' is required, e.g. columns: \"units_sold\"");
        }
        else
        {
            foreach (var name in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var index = Columns.Find(input, name);
                if (index < 0 || input.Fields[index].Type is not (ParquetType.Int32 or ParquetType.Int64 or ParquetType.Decimal))
                {
                    problems.Add($"{location}: dozens_to_units: '{name}' must be an integer or decimal column; columns are: {Columns.List(input)}");
                }
                else
                {
                    columns.Add(index);
                }
            }
        }

        options.TryGetValue("when_capture", out var capture);
        options.TryGetValue("equals", out var equals);
        if ((capture is null) != (equals is null))
        {
            problems.Add($"{location}: dozens_to_units: give both 'when_capture' and 'equals', or neither");
        }

        if (problems.Count > 0)
        {
            throw new TransformDefinitionException(problems);
        }

        return new Step([.. columns], capture, equals);
    }

    private sealed class Step(int[] columns, string? capture, string? equals) : IBatchTransform, IFileScopedTransform
    {
        private bool _active = capture is null;

        public string Name => "code dozens_to_units";

        public IReadOnlyList<ParquetField> AddedFields { get; } = [];

        public void BeginFile(IReadOnlyDictionary<string, string> captures) =>
            _active = capture is null || (captures.TryGetValue(capture, out var v) && string.Equals(v, equals, StringComparison.OrdinalIgnoreCase));

        public void Apply(ColumnBatch batch, int rowCount, RowDisposition rows)
        {
            if (!_active)
            {
                return;
            }

            foreach (var c in columns)
            {
                switch (batch[c])
                {
                    case Int32Column i: Multiply(i, i.Values, rowCount, rows, int.MaxValue / 12); break;
                    case Int64Column l: Multiply(l, l.Values, rowCount, rows, long.MaxValue / 12); break;
                    case DecimalColumn d:
                        var values = d.Values;
                        for (var r = 0; r < rowCount; r++)
                        {
                            var v = values[r] * 12;
                            if (!d.IsNull(r) && !DecimalMath.FitsPrecision(v, d.Field.Precision))
                            {
                                rows.Reject(r, d.Field.Name, $"{d.Field.Name} in dozens times 12 does not fit decimal({d.Field.Precision},{d.Field.Scale})");
                                continue;
                            }

                            values[r] = v;
                        }

                        break;
                }
            }
        }

        private static void Multiply<T>(ColumnBuffer column, Span<T> values, int rowCount, RowDisposition rows, T limit)
            where T : struct, System.Numerics.IBinaryInteger<T>
        {
            var twelve = T.CreateTruncating(12);
            for (var r = 0; r < rowCount; r++)
            {
                var v = values[r];
                if (v > limit || v < -limit)
                {
                    if (!column.IsNull(r))
                    {
                        rows.Reject(r, column.Field.Name, $"{column.Field.Name} {v} in dozens times 12 overflows {column.Field.Type}");
                    }

                    continue;
                }

                values[r] = v * twelve;
            }
        }
    }
}
