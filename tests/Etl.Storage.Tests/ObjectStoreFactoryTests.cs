using Etl.Storage.Configuration;
using Etl.Storage.Local;
using Etl.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Storage.Tests;

public sealed class ObjectStoreFactoryTests
{
    [Fact]
    public void Create_LocalPath_LocalStore()
    {
        using var dir = new TempDirectory("factory");
        using var provider = Build(b => b.UseLocalStorage());

        var store = provider.GetRequiredService<IObjectStoreFactory>().Create(dir.Path);

        store.ShouldBeOfType<LocalObjectStore>().Description.ShouldBe(Path.GetFullPath(dir.Path));
    }

    [Theory]
    [InlineData("s3://bucket/lake", "UseS3Storage()")]
    [InlineData("az://lake/prod", "UseAzureBlobStorage()")]
    [InlineData("https://acct.blob.core.windows.net/lake", "UseAzureBlobStorage()")]
    public void Create_AdapterNotRegistered_NamesTheMissingAdapter(string uri, string call)
    {
        using var provider = Build(b => b.UseLocalStorage());

        var ex = Should.Throw<StorageException>(() => provider.GetRequiredService<IObjectStoreFactory>().Create(uri));

        ex.Message.ShouldContain(call);
        ex.Message.ShouldContain("not registered");
    }

    [Fact]
    public void UseLocalStorage_Twice_OneProvider()
    {
        using var provider = Build(b => b.UseLocalStorage().UseLocalStorage());

        provider.GetServices<IObjectStoreProvider>().Count().ShouldBe(1);
    }

    private static ServiceProvider Build(Action<IEtlBuilder> configure)
    {
        var builder = new TestBuilder(new ServiceCollection());
        configure(builder);
        return builder.Services.BuildServiceProvider();
    }

    private sealed class TestBuilder(IServiceCollection services) : IEtlBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
