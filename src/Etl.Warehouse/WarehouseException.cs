namespace Etl.Warehouse;

/// <summary>A warehouse operation (migrate, load, models) failed.</summary>
public sealed class WarehouseException(string message, Exception? innerException = null, bool isTransient = false)
    : EtlException(message, innerException, isTransient);
