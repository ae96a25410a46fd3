using System.Text;
using Etl.Parquet;

namespace Etl.Core.Enrichment.Expressions;

/// <summary><c>year()</c>, <c>month()</c>, <c>day()</c> of a date or timestamp, as int.</summary>
internal sealed class DatePartEvaluator(char part, Evaluator operand) : Evaluator(ExprType.Int32)
{
    private const int EpochDayNumber = 719162;
    private const long MicrosPerDay = 86_400_000_000L;

    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var input = operand.Evaluate(context);
        var r = Result<Int32Column>();
        var isTimestamp = operand.Type.Kind == ExprKind.Timestamp;
        for (var i = 0; i < context.RowCount; i++)
        {
            if (input.IsNull(i))
            {
                r.AppendNull();
                continue;
            }

            var days = isTimestamp
                ? (int)Math.Floor((double)((Int64Column)input)[i] / MicrosPerDay)
                : ((Int32Column)input)[i];
            var date = DateOnly.FromDayNumber(EpochDayNumber + days);
            r.Append(part switch
            {
                'y' => date.Year,
                'm' => date.Month,
                _ => date.Day,
            });
        }

        return r;
    }
}

/// <summary><c>upper()</c>, <c>lower()</c> (invariant culture; ASCII fast path) and <c>trim()</c> (white space both ends).</summary>
internal sealed class StringFunctionEvaluator(string function, Evaluator operand) : Evaluator(ExprType.String)
{
    private char[] _chars = new char[256];
    private byte[] _bytes = new byte[1024];

    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var input = (StringColumn)operand.Evaluate(context);
        var r = Result<StringColumn>();
        for (var i = 0; i < context.RowCount; i++)
        {
            if (input.IsNull(i))
            {
                r.AppendNull();
                continue;
            }

            var s = input.GetBytes(i);
            if (function == "trim")
            {
                r.Append(Trim(s));
                continue;
            }

            var upper = function == "upper";
            if (Ascii.IsValid(s))
            {
                EnsureBytes(s.Length);
                var dst = _bytes.AsSpan(0, s.Length);
                if (upper)
                {
                    Ascii.ToUpper(s, dst, out _);
                }
                else
                {
                    Ascii.ToLower(s, dst, out _);
                }

                r.Append((ReadOnlySpan<byte>)dst);
                continue;
            }

            var count = Encoding.UTF8.GetMaxCharCount(s.Length);
            if (_chars.Length < 2 * count)
            {
                _chars = new char[Math.Max(2 * count, _chars.Length * 2)];
            }

            // Source in the first half, result in the second: the case mappings refuse overlapping buffers.
            var n = Encoding.UTF8.GetChars(s, _chars);
            var source = _chars.AsSpan(0, n);
            var target = _chars.AsSpan(count, n);
            if (upper)
            {
                source.ToUpperInvariant(target);
            }
            else
            {
                source.ToLowerInvariant(target);
            }

            r.Append((ReadOnlySpan<char>)target);
        }

        return r;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        var start = 0;
        var end = s.Length;
        while (start < end && IsSpace(s[start]))
        {
            start++;
        }

        while (end > start && IsSpace(s[end - 1]))
        {
            end--;
        }

        return s[start..end];
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private void EnsureBytes(int n)
    {
        if (_bytes.Length < n)
        {
            _bytes = new byte[Math.Max(n, _bytes.Length * 2)];
        }
    }
}

/// <summary>
/// <c>concat(a, b, ...)</c>: the text of every non-null argument, back to back (nulls are skipped, as in PostgreSQL);
/// numbers as plain digits, decimals at their scale, dates as yyyy-MM-dd, booleans as true/false.
/// </summary>
internal sealed class ConcatEvaluator(IReadOnlyList<Evaluator> arguments) : Evaluator(ExprType.String)
{
    private readonly ColumnBuffer[] _inputs = new ColumnBuffer[arguments.Count];
    private byte[] _row = new byte[256];

    public override ColumnBuffer Evaluate(EvalContext context)
    {
        for (var a = 0; a < arguments.Count; a++)
        {
            _inputs[a] = arguments[a].Evaluate(context);
        }

        var r = Result<StringColumn>();
        for (var i = 0; i < context.RowCount; i++)
        {
            var length = 0;
            for (var a = 0; a < _inputs.Length; a++)
            {
                var input = _inputs[a];
                if (input.IsNull(i))
                {
                    continue;
                }

                if (input is StringColumn s)
                {
                    var bytes = s.GetBytes(i);
                    Ensure(length + bytes.Length);
                    bytes.CopyTo(_row.AsSpan(length));
                    length += bytes.Length;
                    continue;
                }

                Ensure(length + 64);
                length += Format(input, arguments[a].Type, i, _row.AsSpan(length));
            }

            r.Append((ReadOnlySpan<byte>)_row.AsSpan(0, length));
        }

        return r;
    }

    private static int Format(ColumnBuffer input, ExprType type, int row, Span<byte> dst)
    {
        int written;
        switch (input)
        {
            case Int32Column v when type.Kind == ExprKind.Date:
                DateOnly.FromDayNumber(719162 + v[row]).TryFormat(dst, out written, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                return written;
            case Int32Column v:
                v[row].TryFormat(dst, out written, default, System.Globalization.CultureInfo.InvariantCulture);
                return written;
            case Int64Column v when type.Kind == ExprKind.Timestamp:
                DateTime.UnixEpoch.AddTicks(v[row] * 10).TryFormat(dst, out written, "yyyy-MM-dd HH:mm:ss.FFFFFF", System.Globalization.CultureInfo.InvariantCulture);
                return written;
            case Int64Column v:
                v[row].TryFormat(dst, out written, default, System.Globalization.CultureInfo.InvariantCulture);
                return written;
            case DoubleColumn v:
                v[row].TryFormat(dst, out written, "R", System.Globalization.CultureInfo.InvariantCulture);
                return written;
            case DecimalColumn v:
                return DecimalMath.FormatUtf8(v[row], type.Scale, dst);
            case BooleanColumn v:
                var text = v[row] ? "true"u8 : "false"u8;
                text.CopyTo(dst);
                return text.Length;
            default:
                return 0;
        }
    }

    private void Ensure(int n)
    {
        if (_row.Length < n)
        {
            _row = new byte[Math.Max(n, _row.Length * 2)];
        }
    }
}

/// <summary>Shared by <c>coalesce</c> and <c>case</c>: the mask of rows a branch is taken for.</summary>
internal static class Masks
{
    public static bool[] Ensure(ref bool[]? mask, int rows)
    {
        if (mask is null || mask.Length < rows)
        {
            mask = new bool[Math.Max(rows, 1024)];
        }

        return mask;
    }
}

/// <summary><c>coalesce(a, b, ...)</c>: the first non-null argument. Errors in an argument count only for rows that reach it.</summary>
internal sealed class CoalesceEvaluator(IReadOnlyList<Evaluator> arguments, ExprType type) : Evaluator(type)
{
    private readonly ColumnBuffer[] _inputs = new ColumnBuffer[arguments.Count];
    private bool[]? _active;

    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var n = context.RowCount;
        var outer = context.Active;
        var active = Masks.Ensure(ref _active, n);
        for (var i = 0; i < n; i++)
        {
            active[i] = outer is null || outer[i];
        }

        for (var a = 0; a < arguments.Count; a++)
        {
            context.Active = active;
            _inputs[a] = arguments[a].Evaluate(context);
            for (var i = 0; i < n; i++)
            {
                // Later arguments matter only where this one is null.
                active[i] &= _inputs[a].IsNull(i);
            }
        }

        context.Active = outer;
        var r = Result<ColumnBuffer>();
        for (var i = 0; i < n; i++)
        {
            var taken = false;
            foreach (var input in _inputs)
            {
                if (!input.IsNull(i))
                {
                    BufferOps.AppendFrom(r, input, i);
                    taken = true;
                    break;
                }
            }

            if (!taken)
            {
                r.AppendNull();
            }
        }

        return r;
    }
}

/// <summary>
/// <c>case when c1 then v1 ... else e end</c>: the value of the first branch whose condition is true (null counts as
/// not true), else <c>e</c> (or null). Every branch is computed for the whole batch; errors count only for rows that take it.
/// </summary>
internal sealed class CaseEvaluator(IReadOnlyList<(Evaluator When, Evaluator Then)> branches, Evaluator? otherwise, ExprType type)
    : Evaluator(type)
{
    private int[] _choice = new int[1024];
    private bool[]? _active;
    private readonly ColumnBuffer[] _values = new ColumnBuffer[branches.Count + 1];

    public override ColumnBuffer Evaluate(EvalContext context)
    {
        var n = context.RowCount;
        if (_choice.Length < n)
        {
            _choice = new int[Math.Max(n, _choice.Length * 2)];
        }

        var outer = context.Active;
        var active = Masks.Ensure(ref _active, n);
        var undecided = branches.Count;
        Array.Fill(_choice, undecided, 0, n);
        for (var b = 0; b < branches.Count; b++)
        {
            // A condition counts for rows no earlier condition took.
            for (var i = 0; i < n; i++)
            {
                active[i] = (outer is null || outer[i]) && _choice[i] == undecided;
            }

            context.Active = active;
            var when = (BooleanColumn)branches[b].When.Evaluate(context);
            for (var i = 0; i < n; i++)
            {
                if (_choice[i] == undecided && !when.IsNull(i) && when[i])
                {
                    _choice[i] = b;
                }
            }
        }

        for (var b = 0; b <= branches.Count; b++)
        {
            var source = b < branches.Count ? branches[b].Then : otherwise;
            if (source is null)
            {
                _values[b] = null!;
                continue;
            }

            for (var i = 0; i < n; i++)
            {
                active[i] = (outer is null || outer[i]) && _choice[i] == b;
            }

            context.Active = active;
            _values[b] = source.Evaluate(context);
        }

        context.Active = outer;
        var r = Result<ColumnBuffer>();
        for (var i = 0; i < n; i++)
        {
            var value = _values[_choice[i]];
            if (value is null)
            {
                r.AppendNull();
            }
            else
            {
                BufferOps.AppendFrom(r, value, i);
            }
        }

        return r;
    }
}
