using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Etl.Core.Enrichment.Code;

/// <summary>Registers code transforms.</summary>
public static class CodeTransformServiceCollectionExtensions
{
    /// <summary>Adds <typeparamref name="T"/> as an <see cref="ICodeTransform"/> and the registry (safe to call repeatedly).</summary>
    public static IServiceCollection AddCodeTransform<T>(this IServiceCollection services)
        where T : class, ICodeTransform
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICodeTransform, T>());
        services.TryAddSingleton<CodeTransformRegistry>();
        return services;
    }

    /// <summary>Adds the code transforms that ship with the product (<see cref="DozensToUnitsTransform"/>).</summary>
    public static IServiceCollection AddBuiltInCodeTransforms(this IServiceCollection services) =>
        services.AddCodeTransform<DozensToUnitsTransform>();
}
