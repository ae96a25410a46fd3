namespace Etl.Orchestration.Triggers;

/// <summary>What a storage-event webhook request carried.</summary>
/// <param name="Keys">Object keys (within the bucket or container) of created objects.</param>
/// <param name="ValidationCode">Event Grid subscription-validation code to echo back, when it was a handshake.</param>
/// <param name="SubscribeUrl">SNS SubscribeURL, when it was a subscription confirmation (never called by us).</param>
/// <param name="TopicArn">SNS topic of that confirmation.</param>
public sealed record StorageEventBatch(IReadOnlyList<string> Keys, string? ValidationCode = null, string? SubscribeUrl = null, string? TopicArn = null);
