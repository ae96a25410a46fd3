using Microsoft.Extensions.Hosting;

namespace Etl.Functions;

/// <summary>
/// The Azure Functions isolated-worker host. Everything it runs lives in tested projects; the functions here bind
/// Functions' triggers to them (see <see cref="EtlFunctionsServiceCollectionExtensions.AddEtlFunctions"/>).
/// </summary>
internal static class Program
{
    private static void Main()
    {
        var settings = FunctionAppSettings.FromEnvironment();
        var host = new HostBuilder()
            .ConfigureFunctionsWorkerDefaults()
            .ConfigureServices(services => services.AddEtlFunctions(settings))
            .Build();
        host.Run();
    }
}
