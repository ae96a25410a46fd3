namespace Etl.Storage.Tests;

/// <summary>
/// Test classes that run alone, after the parallel ones: the storage contract measures the process's managed heap while
/// it streams a large object, which other tests running beside it would inflate.
/// </summary>
[CollectionDefinition(nameof(AloneCollection), DisableParallelization = true)]
public sealed class AloneCollection;
