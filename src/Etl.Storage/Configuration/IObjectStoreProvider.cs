namespace Etl.Storage.Configuration;

/// <summary>One storage adapter's entry point, registered by its <c>Use*Storage</c> method.</summary>
public interface IObjectStoreProvider
{
    /// <summary>The kind of lake this provider serves.</summary>
    LakeKind Kind { get; }

    /// <summary>Creates a store rooted at <paramref name="location"/>.</summary>
    IObjectStore Create(LakeLocation location);
}
