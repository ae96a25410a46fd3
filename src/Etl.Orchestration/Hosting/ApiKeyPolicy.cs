using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Etl.Orchestration.Hosting;

/// <summary>The host's key rule: loopback needs no key unless one is set; any other address needs one, on every request.</summary>
internal sealed class ApiKeyPolicy
{
    private readonly byte[]? _key;

    private ApiKeyPolicy(byte[]? key) => _key = key;

    public bool RequiresKey => _key is not null;

    public static ApiKeyPolicy Create(LocalDurableHostOptions options)
    {
        if (!IPAddress.TryParse(options.Address, out var address))
        {
            throw new EtlException($"serve: '{options.Address}' is not an IP address. Bind 127.0.0.1 (the default) or an explicit address such as 0.0.0.0.");
        }

        if (string.IsNullOrEmpty(options.ApiKey))
        {
            if (!IPAddress.IsLoopback(address))
            {
                throw new EtlException($"serve: binding {options.Address} exposes the API beyond this machine, so it needs an API key. Set one (ETL_API_KEY or --api-key) of at least 16 characters, or bind 127.0.0.1.");
            }

            return new ApiKeyPolicy(null);
        }

        if (options.ApiKey.Length < 16)
        {
            throw new EtlException("serve: the API key is shorter than 16 characters. Use a long random key, e.g. from 'openssl rand -hex 32'.");
        }

        return new ApiKeyPolicy(Encoding.UTF8.GetBytes(options.ApiKey));
    }

    public bool IsAuthorized(string? presented)
    {
        if (_key is null)
        {
            return true;
        }

        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key);
    }
}
