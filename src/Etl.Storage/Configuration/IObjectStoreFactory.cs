namespace Etl.Storage.Configuration;

/// <summary>Turns a lake URI into the store that serves it, choosing the adapter by scheme.</summary>
public interface IObjectStoreFactory
{
    /// <summary>
    /// Creates the store for <paramref name="lakeUri"/>. Throws <see cref="StorageException"/> naming the bad URI or the
    /// adapter that is not registered.
    /// </summary>
    IObjectStore Create(string lakeUri);
}
