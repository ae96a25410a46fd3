using Etl.Core.Definition;
using Etl.Core.Pipeline;
using Etl.Core.Runs;
using Etl.Orchestration;
using Etl.Orchestration.Warehouse;
using Etl.Storage.Configuration;
using Etl.Warehouse;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Etl.Functions;

/// <summary>
/// The Azure Functions isolated-worker host: registers the product's pipeline (definition from ETL_PIPELINE_CONFIG,
/// lake from ETL_LAKE or the definition) and the adapters every lake URI needs. Everything else lives in tested
/// projects; the functions in this project only bind Functions' triggers to them.
/// </summary>
internal static class Program
{
    private static void Main()
    {
        var host = new HostBuilder()
            .ConfigureFunctionsWorkerDefaults()
            .ConfigureServices(services =>
            {
                services.AddEtl().UseLocalStorage().UseS3Storage().UseAzureBlobStorage();
                services.AddSingleton(_ => PipelineDefinitionLoader.Load(FunctionSettings.Required("ETL_PIPELINE_CONFIG")));
                services.AddSingleton(sp =>
                {
                    var definition = sp.GetRequiredService<PipelineDefinition>();
                    return sp.GetRequiredService<IObjectStoreFactory>().Create(FunctionSettings.Optional("ETL_LAKE") ?? definition.Lake);
                });
                services.AddSingleton<IPipelineActivities>(sp => new PipelineActivities(sp.GetRequiredService<PipelineDefinition>(), sp.GetRequiredService<Etl.Storage.IObjectStore>()));
                if (FunctionSettings.LoadWarehouse)
                {
                    var warehouse = WarehouseDefinition.Load(FunctionSettings.Required("ETL_PIPELINE_CONFIG"))
                        ?? throw new InvalidOperationException("ETL_LOAD_WAREHOUSE is true but the pipeline definition has no 'warehouse:' section; see docs/warehouse.md.");
                    services.AddSingleton<IWarehouseLoadActivity>(sp => new WarehouseLoadActivity(warehouse, sp.GetRequiredService<Etl.Storage.IObjectStore>()));
                }

                services.AddSingleton(sp => new PipelineActivityDispatcher(sp.GetRequiredService<IPipelineActivities>(), sp.GetService<IWarehouseLoadActivity>()));
            })
            .Build();
        host.Run();
    }
}
