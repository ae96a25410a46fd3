using Etl.Parquet;

namespace Etl.Core.Enrichment;

/// <summary>Column lookups by name as written in a definition (exact first, then case-insensitive).</summary>
internal static class Columns
{
    public static int Find(ParquetSchema schema, string? name)
    {
        if (name is null)
        {
            return -1;
        }

        var index = schema.IndexOf(name);
        if (index >= 0)
        {
            return index;
        }

        for (var i = 0; i < schema.Fields.Count; i++)
        {
            if (string.Equals(schema.Fields[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    public static string List(ParquetSchema schema) => string.Join(", ", schema.Fields.Select(f => f.Name));
}
