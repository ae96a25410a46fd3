using Microsoft.Extensions.DependencyInjection;

namespace Etl;

/// <summary>The product's entry point for dependency injection: <c>services.AddEtl().UseLocalStorage().UseS3Storage()...</c>.</summary>
public static class EtlServiceCollectionExtensions
{
    /// <summary>Starts the product's registration on <paramref name="services"/>.</summary>
    public static IEtlBuilder AddEtl(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new EtlBuilder(services);
    }

    private sealed class EtlBuilder(IServiceCollection services) : IEtlBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
