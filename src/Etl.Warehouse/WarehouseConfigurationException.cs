namespace Etl.Warehouse;

/// <summary>The warehouse block of a pipeline definition, or a model file, is invalid.</summary>
public sealed class WarehouseConfigurationException(string message, Exception? innerException = null)
    : EtlException(message, innerException);
