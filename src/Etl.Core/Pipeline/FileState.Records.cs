using System.Buffers;
using System.Text;
using System.Text.Json;
using Etl.Core.Reading;
using Etl.Core.Typing;
using Etl.Parquet;

namespace Etl.Core.Pipeline;

/// <summary>Typing of records from formats with fields rather than header positions (JSON lines, Parquet).</summary>
internal sealed partial class FileProcessor
{
    private sealed partial class FileState
    {
        private ArrayBufferWriter<byte>? _rescueBuffer;
        private Utf8JsonWriter? _rescueWriter;

        /// <summary>
        /// Types one record into the batch with the same rules as a CSV field (a JSON null or a missing field is an empty
        /// value); on failure the row is rolled back and the reason returned.
        /// </summary>
        /// <param name="record">The record, at the row to type.</param>
        /// <param name="badColumn">The failing column's name.</param>
        /// <param name="badValue">The failing value's text.</param>
        /// <param name="reason">Why it failed.</param>
        /// <param name="columns">The definitions to type with, when they differ from the dataset's (one per declared column).</param>
        public bool TryAppendRecord<TRecord>(TRecord record, out string? badColumn, out string? badValue, out string? reason, IReadOnlyList<Definition.ColumnDefinition>? columns = null)
            where TRecord : IFieldRecord
        {
            var start = Batch.Columns.Count == 0 ? 0 : Batch[0].Count;
            columns ??= Dataset.Columns;
            for (var c = 0; c < columns.Count; c++)
            {
                var def = columns[c];
                var typed = record.TryAppendTyped(c, Batch[c], def, out reason);
                if (typed == TypedAppend.Appended)
                {
                    continue;
                }

                var kind = record.GetValue(c, out var raw);
                var ok = typed == TypedAppend.NotTyped && kind switch
                {
                    JsonlValueKind.Scalar => TryAppendValue(Batch[c], def, ValueParser.Trim(raw), out reason),
                    JsonlValueKind.Nested when def.Field.Type == ParquetType.String => TryAppendValue(Batch[c], def, raw, out reason),
                    JsonlValueKind.Nested => Fail($"is a JSON object or array, not a {TypeName(def.Field.Type)}", out reason),
                    JsonlValueKind.NotAnObject => Fail($"cannot be reached: a field on its path {PathText(def)} is not an object", out reason),
                    JsonlValueKind.Missing when def.Required => Fail($"is missing: the record has no field {PathText(def)}, and the column is required", out reason),
                    JsonlValueKind.Null when def.Required => Fail("is null but the column is required", out reason),
                    _ => TryAppendValue(Batch[c], def, default, out reason),
                };

                if (!ok)
                {
                    for (var k = 0; k <= c; k++)
                    {
                        Batch[k].Truncate(start);
                    }

                    badColumn = def.Name;
                    badValue = kind is JsonlValueKind.Missing or JsonlValueKind.Null ? null : Encoding.UTF8.GetString(raw);
                    return false;
                }
            }

            var slot = _slots[_filling];
            if (start >= slot.Lines.Length)
            {
                Array.Resize(ref slot.Lines, slot.Lines.Length * 2);
            }

            slot.Lines[start] = record.LineNumber;
            if (_rescuedIndex >= 0)
            {
                var col = (StringColumn)Batch[_rescuedIndex];
                if (record.ExtraCount == 0)
                {
                    col.AppendNull();
                }
                else
                {
                    col.Append(RescueJson(record));
                }
            }

            badColumn = null;
            badValue = null;
            reason = null;
            return true;
        }

        /// <summary>The unnamed fields as one JSON object, their values as they were (numbers stay numbers).</summary>
        private ReadOnlySpan<byte> RescueJson<TRecord>(TRecord record)
            where TRecord : IFieldRecord
        {
            _rescueBuffer ??= new ArrayBufferWriter<byte>(256);
            _rescueBuffer.ResetWrittenCount();
            if (_rescueWriter is null)
            {
                _rescueWriter = new Utf8JsonWriter(_rescueBuffer);
            }
            else
            {
                _rescueWriter.Reset(_rescueBuffer);
            }

            _rescueWriter.WriteStartObject();
            record.WriteExtras(_rescueWriter);
            _rescueWriter.WriteEndObject();
            _rescueWriter.Flush();
            return _rescueBuffer.WrittenSpan;
        }

        private static bool Fail(string message, out string? reason)
        {
            reason = message;
            return false;
        }

        private static string PathText(Definition.ColumnDefinition def) =>
            def.Path is null ? $"'{def.Name}'" : $"'{string.Join('.', def.Path)}'";

        private static string TypeName(ParquetType type) => type switch
        {
            ParquetType.Int32 => "32-bit whole number",
            ParquetType.Int64 => "64-bit whole number",
            ParquetType.Double => "number",
            ParquetType.Boolean => "boolean",
            ParquetType.Date => "date",
            ParquetType.Timestamp => "timestamp",
            ParquetType.Decimal => "decimal",
            _ => type.ToString().ToLowerInvariant(),
        };
    }
}
