using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Core.Sources;
using Etl.Orchestration;
using Etl.Orchestration.Warehouse;
using Etl.Sources.Postgres;
using Etl.Storage;
using Etl.Storage.Configuration;
using Etl.Warehouse;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Etl.Functions;

/// <summary>The app's wiring, shared by <see cref="Program"/> and the tests that host the functions on the Durable Task engine.</summary>
internal static class EtlFunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the pipeline (the definition, its lake with every storage adapter, the source steps, the activities, the optional
    /// warehouse load), the functions and the worker's serializer. The definition is loaded here, so a missing or
    /// broken one fails the host at start with the reason, not every function later.
    /// </summary>
    public static IServiceCollection AddEtlFunctions(this IServiceCollection services, FunctionAppSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        if (!File.Exists(settings.PipelineConfig))
        {
            throw new EtlException(
                $"The pipeline definition {settings.PipelineConfig} does not exist. The app reads ETL_PIPELINE_CONFIG (default "
                + $"{FunctionAppSettings.DefaultPipelineConfig}) relative to its own folder {AppContext.BaseDirectory}; publish it with "
                + "eng/publish-functions.sh, which packs the definition there, or set ETL_PIPELINE_CONFIG (see docs/orchestration.md).");
        }

        var definition = PipelineDefinitionLoader.Load(settings.PipelineConfig);
        WarehouseDefinition? warehouse = null;
        if (settings.LoadWarehouse)
        {
            warehouse = WarehouseDefinition.Load(settings.PipelineConfig)
                ?? throw new EtlException($"ETL_LOAD_WAREHOUSE is true but {settings.PipelineConfig} has no 'warehouse:' section; add one (see docs/warehouse.md) or set ETL_LOAD_WAREHOUSE to false.");
        }

        services.AddEtl().UseLocalStorage().UseS3Storage().UseAzureBlobStorage();
        services.Configure<WorkerOptions>(o => o.Serializer = FunctionsJson.Serializer);
        services.AddSingleton(settings);
        services.AddSingleton(definition);
        services.AddSingleton(sp => sp.GetRequiredService<IObjectStoreFactory>().Create(settings.Lake ?? definition.Lake));
        // Every kind of source runs in the FetchSources activity: URL files (Etl.Core) and PostgreSQL extracts (Etl.Sources.Postgres).
        services.AddSingleton<IReadOnlyList<ISourceStep>>([new UrlSourceStep(), new PostgresSourceStep()]);
        services.AddSingleton<IPipelineActivities>(sp => new PipelineActivities(definition, sp.GetRequiredService<IObjectStore>(), sp.GetRequiredService<IReadOnlyList<ISourceStep>>()));
        if (warehouse is not null)
        {
            services.AddSingleton<IWarehouseLoadActivity>(sp => new WarehouseLoadActivity(warehouse, sp.GetRequiredService<IObjectStore>()));
        }

        services.AddSingleton(sp => new PipelineActivityDispatcher(sp.GetRequiredService<IPipelineActivities>(), sp.GetService<IWarehouseLoadActivity>()));
        services.AddSingleton<RunStarter>();
        return services;
    }
}
