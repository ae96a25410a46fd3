namespace Etl.Warehouse.Tests;

public sealed class MigrationTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task MigrateAsync_FromVersionNToLatest_AppliesOnlyPendingAndRecordsThem()
    {
        await using var loader = db.Loader();
        var n = Migrations.LatestVersion - 1;
        (await loader.MigrateAsync(n, CancellationToken.None)).ShouldBe(Enumerable.Range(1, n).ToList());
        (await db.ScalarAsync("SELECT to_regclass('warehouse.dim_date') IS NULL")).ShouldBe(true);

        (await loader.MigrateAsync(cancellationToken: CancellationToken.None)).ShouldBe([n + 1]);
        (await loader.MigrateAsync(cancellationToken: CancellationToken.None)).ShouldBeEmpty();
        (await db.ScalarAsync("SELECT max(version) FROM etl_meta.schema_migrations")).ShouldBe(Migrations.LatestVersion);
        (await db.ScalarAsync("SELECT count(*) FROM pg_namespace WHERE nspname IN ('staging', 'warehouse', 'analytics', 'etl_meta')")).ShouldBe(4L);
        (await db.ScalarAsync("SELECT to_regclass('warehouse.file_loads') IS NOT NULL AND to_regclass('warehouse.dim_date') IS NOT NULL")).ShouldBe(true);
    }
}

public sealed class MigrationConcurrencyTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task MigrateAsync_ConcurrentLoaders_NoRaceEachVersionOnce()
    {
        await using var loader = db.Loader();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => loader.MigrateAsync(cancellationToken: CancellationToken.None))));
        (await db.ScalarAsync("SELECT count(*) FROM etl_meta.schema_migrations")).ShouldBe((long)Migrations.LatestVersion);
        results.Sum(r => r.Count).ShouldBe(Migrations.LatestVersion);
    }
}
