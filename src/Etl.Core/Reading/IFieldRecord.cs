using System.Text.Json;

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

    /// <summary>Writes the fields no column names as properties of the open JSON object.</summary>
    void WriteExtras(Utf8JsonWriter writer);
}
