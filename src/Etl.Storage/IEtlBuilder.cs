using Microsoft.Extensions.DependencyInjection;

namespace Etl;

/// <summary>
/// The DI builder returned by <c>services.AddEtl()</c>. Storage adapters attach to it with
/// <c>builder.UseLocalStorage()</c>, <c>builder.UseS3Storage(...)</c> or <c>builder.UseAzureBlobStorage(...)</c>.
/// </summary>
public interface IEtlBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
