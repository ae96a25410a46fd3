using System.Text.Json;

namespace Etl.Orchestration.Triggers;

/// <summary>
/// Reads the storage notifications the host accepts: Event Grid (its own schema or CloudEvents, single or batched,
/// incl. the subscription-validation event), S3 event notifications (plain, wrapped by SNS incl. its subscription
/// confirmation, or delivered by EventBridge). Only object-created events yield keys; anything else is ignored.
/// </summary>
public static class StorageEventParser
{
    private const string BlobsMarker = "/blobs/";

    /// <summary>Parses one webhook body. Throws <see cref="JsonException"/> for a body that is not JSON.</summary>
    public static StorageEventBatch Parse(ReadOnlySpan<byte> body)
    {
        using var document = JsonDocument.Parse(body.ToArray());
        var keys = new List<string>();
        string? validation = null, subscribeUrl = null, topicArn = null;
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in root.EnumerateArray())
            {
                ReadEventGrid(e, keys, ref validation);
            }
        }
        else if (root.ValueKind == JsonValueKind.Object)
        {
            if (Str(root, "Type") is { } snsType)
            {
                topicArn = Str(root, "TopicArn");
                if (snsType == "SubscriptionConfirmation")
                {
                    subscribeUrl = Str(root, "SubscribeURL");
                }
                else if (snsType == "Notification" && Str(root, "Message") is { } message)
                {
                    using var inner = JsonDocument.Parse(message);
                    ReadS3(inner.RootElement, keys);
                }
            }
            else if (root.TryGetProperty("Records", out _))
            {
                ReadS3(root, keys);
            }
            else if (Str(root, "detail-type") is { } detailType)
            {
                if (detailType == "Object Created" && root.TryGetProperty("detail", out var detail)
                    && detail.TryGetProperty("object", out var o) && Str(o, "key") is { } key)
                {
                    keys.Add(key);
                }
            }
            else
            {
                ReadEventGrid(root, keys, ref validation);
            }
        }

        return new StorageEventBatch(keys, validation, subscribeUrl, topicArn);
    }

    /// <summary>
    /// The lake key for an event's object key: strips <paramref name="prefix"/> (the lake root within the bucket or
    /// container); <see langword="null"/> when the object is outside the lake.
    /// </summary>
    public static string? ToLakeKey(string objectKey, string prefix)
    {
        ArgumentNullException.ThrowIfNull(objectKey);
        var p = prefix.Trim('/');
        if (p.Length == 0)
        {
            return objectKey;
        }

        return objectKey.StartsWith(p + "/", StringComparison.Ordinal) ? objectKey[(p.Length + 1)..] : null;
    }

    private static void ReadEventGrid(JsonElement e, List<string> keys, ref string? validation)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var type = Str(e, "eventType") ?? Str(e, "type");
        if (type == "Microsoft.EventGrid.SubscriptionValidationEvent")
        {
            if (e.TryGetProperty("data", out var data) && Str(data, "validationCode") is { } code)
            {
                validation = code;
            }
        }
        else if (type == "Microsoft.Storage.BlobCreated" && Str(e, "subject") is { } subject)
        {
            // subject: /blobServices/default/containers/<container>/blobs/<path>
            var at = subject.IndexOf(BlobsMarker, StringComparison.Ordinal);
            if (at >= 0)
            {
                keys.Add(subject[(at + BlobsMarker.Length)..]);
            }
        }
    }

    private static void ReadS3(JsonElement root, List<string> keys)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Records", out var records) || records.ValueKind != JsonValueKind.Array)
        {
            return; // e.g. s3:TestEvent
        }

        foreach (var r in records.EnumerateArray())
        {
            if (Str(r, "eventName") is { } name && name.StartsWith("ObjectCreated:", StringComparison.Ordinal)
                && r.TryGetProperty("s3", out var s3) && s3.TryGetProperty("object", out var o) && Str(o, "key") is { } key)
            {
                // S3 notifications URL-encode the key with '+' for spaces.
                keys.Add(Uri.UnescapeDataString(key.Replace('+', ' ')));
            }
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
