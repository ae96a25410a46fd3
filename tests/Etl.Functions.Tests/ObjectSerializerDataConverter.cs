using Azure.Core.Serialization;
using Microsoft.DurableTask;

namespace Etl.Functions.Tests;

/// <summary>
/// Durable's data converter over a Functions <see cref="ObjectSerializer"/>: what the Durable Functions extension puts
/// in place of its default converter when the app sets <c>WorkerOptions.Serializer</c>. Tests give the engine the
/// serializer the app configures, so payloads and custom status have the JSON shape they have on Azure.
/// </summary>
internal sealed class ObjectSerializerDataConverter(ObjectSerializer serializer) : DataConverter
{
    public override string? Serialize(object? value) =>
        value is null ? null : serializer.Serialize(value, value.GetType(), CancellationToken.None).ToString();

    public override object? Deserialize(string? data, Type targetType) =>
        data is null ? null : serializer.Deserialize(BinaryData.FromString(data).ToStream(), targetType, CancellationToken.None);
}
