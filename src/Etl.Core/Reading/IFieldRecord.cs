using System.Text.Json;
using Etl.Core.Definition;
using Etl.Parquet;

namespace Etl.Core.Reading;

/// <summary>
/// A record of a format with typed or nested fields (JSON lines, Parquet), seen per declared column: what the record
/// holds there and its UTF-8 text, which the pipeline types exactly as it types a CSV field.
/// </summary>
internal interface IFieldRecord
{
    /// <summary>The record's position for rejects: the physical line (JSON lines) or the 1-based row (Parquet).</summary>
    long LineNumber { get; }

    /// <summary>What the record holds for declared column <paramref name="column"/>, and its text.</summary>
    JsonlValueKind GetValue(int column, out ReadOnlySpan<byte> value);

    /// <summary>Fields of the record that no column names.</summary>
    int ExtraCount { get; }

    /// <summary>
    /// Appends the value of declared column <paramref name="column"/> to <paramref name="target"/> without text when the
    /// record holds it natively in the column's type, with the checks its text would get (the same reject reasons).
    /// <see cref="TypedAppend.NotTyped"/> (nothing appended) sends the value down the text path: nulls, and pairs of
    /// types that need a conversion.
    /// </summary>
    TypedAppend TryAppendTyped(int column, ColumnBuffer target, ColumnDefinition definition, out string? reason)
    {
        reason = null;
        return TypedAppend.NotTyped;
    }

    /// <summary>Writes the fields no column names as properties of the open JSON object.</summary>
    void WriteExtras(Utf8JsonWriter writer);
}

/// <summary>What <see cref="IFieldRecord.TryAppendTyped"/> did.</summary>
internal enum TypedAppend
{
    /// <summary>Nothing: type the value from its text.</summary>
    NotTyped,

    /// <summary>The value is in the column.</summary>
    Appended,

    /// <summary>The value does not fit the column; nothing appended, the reason says why.</summary>
    Rejected,
}
