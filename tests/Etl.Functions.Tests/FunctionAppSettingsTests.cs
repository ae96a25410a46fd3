using Etl.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Functions.Tests;

/// <summary>Not run beside other tests: one test moves the working directory.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class WorkingDirectoryCollection;

[Collection(typeof(WorkingDirectoryCollection))]
public sealed class FunctionAppSettingsTests
{
    [Fact]
    public void FromEnvironment_Nothing_TheDefinitionPackedInTheAppFolder()
    {
        var settings = FunctionAppSettings.FromEnvironment(_ => null);

        settings.PipelineConfig.ShouldBe(Path.Combine(AppContext.BaseDirectory, "pipeline", "pipeline.yaml"));
        settings.ShouldBe(new FunctionAppSettings(settings.PipelineConfig));
    }

    [Fact]
    public void FromEnvironment_RelativeConfig_ResolvedAgainstTheAppFolderNotTheWorkingDirectory()
    {
        var before = Environment.CurrentDirectory;
        using var elsewhere = new TempDirectory();
        Environment.CurrentDirectory = elsewhere.Path;
        try
        {
            var settings = FunctionAppSettings.FromEnvironment(Settings(("ETL_PIPELINE_CONFIG", "defs/sales.yaml")));

            settings.PipelineConfig.ShouldBe(Path.Combine(AppContext.BaseDirectory, "defs", "sales.yaml"));
        }
        finally
        {
            Environment.CurrentDirectory = before;
        }
    }

    [Fact]
    public void FromEnvironment_AllSettings_Read()
    {
        var settings = FunctionAppSettings.FromEnvironment(Settings(
            ("ETL_PIPELINE_CONFIG", "/srv/etl/pipeline.yaml"), ("ETL_LAKE", "az://lake/sales"), ("ETL_BATCH_SIZE", "50"), ("ETL_MAX_PARALLEL_FILES", "8"), ("ETL_LOAD_WAREHOUSE", "true")));

        settings.ShouldBe(new FunctionAppSettings("/srv/etl/pipeline.yaml", "az://lake/sales", 50, 8, true));
    }

    [Theory]
    [InlineData("ETL_BATCH_SIZE", "0")]
    [InlineData("ETL_BATCH_SIZE", "many")]
    [InlineData("ETL_MAX_PARALLEL_FILES", "-2")]
    [InlineData("ETL_LOAD_WAREHOUSE", "yes")]
    public void FromEnvironment_BadValue_FailsNamingTheSetting(string name, string value)
    {
        var error = Should.Throw<InvalidOperationException>(() => FunctionAppSettings.FromEnvironment(Settings((name, value))));

        error.Message.ShouldContain($"App setting {name} is '{value}'");
    }

    [Fact]
    public void AddEtlFunctions_MissingDefinition_SaysWhereItLookedAndHowToFixIt()
    {
        var settings = new FunctionAppSettings(Path.Combine(AppContext.BaseDirectory, "nowhere", "pipeline.yaml"));

        var error = Should.Throw<EtlException>(() => new ServiceCollection().AddEtlFunctions(settings));

        error.Message.ShouldContain(settings.PipelineConfig);
        error.Message.ShouldContain("eng/publish-functions.sh");
    }

    [Fact]
    public void AddEtlFunctions_TheFunctionClassesResolveFromTheAppsServices()
    {
        // The Functions host creates the function classes from the app's services for every invocation.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddEtlFunctions(new FunctionAppSettings(RepoPaths.Get("samples", "store-sales", "pipeline.yaml"), "/tmp/unused-lake", LoadWarehouse: true));
        using var provider = services.BuildServiceProvider();

        ActivatorUtilities.CreateInstance<PipelineFunctions>(provider).ShouldNotBeNull();
        ActivatorUtilities.CreateInstance<PipelineTriggers>(provider).ShouldNotBeNull();
        provider.GetService<Etl.Orchestration.IWarehouseLoadActivity>().ShouldNotBeNull("ETL_LOAD_WAREHOUSE=true registers the warehouse load");
    }

    private static Func<string, string?> Settings(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;
}
