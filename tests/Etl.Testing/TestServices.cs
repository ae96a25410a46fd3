using Xunit;

namespace Etl.Testing;

/// <summary>
/// Endpoints of the real services that eng/test.sh starts (PostgreSQL, Azurite, s3rver, DuckDB via Node).
/// When a service is missing the test is skipped, or fails when ETL_REQUIRE_SERVICES=1 (as in CI).
/// </summary>
public static class TestServices
{
    /// <summary>Whether a missing service fails the test instead of skipping it.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("ETL_REQUIRE_SERVICES") == "1";

    /// <summary>Npgsql connection string to a throwaway PostgreSQL cluster (ETL_TEST_PG).</summary>
    public static string Postgres => Get("ETL_TEST_PG", "PostgreSQL");

    /// <summary>Azurite blob endpoint, e.g. http://127.0.0.1:10000/devstoreaccount1 (ETL_TEST_AZURITE_BLOB).</summary>
    public static string AzuriteBlobEndpoint => Get("ETL_TEST_AZURITE_BLOB", "Azurite");

    /// <summary>s3rver endpoint, e.g. http://127.0.0.1:4569 (ETL_TEST_S3_ENDPOINT); access key and secret are S3RVER/S3RVER.</summary>
    public static string S3Endpoint => Get("ETL_TEST_S3_ENDPOINT", "s3rver");

    /// <summary>Folder holding node_modules with @duckdb/node-api, azurite, s3rver (ETL_TOOLS_DIR, default .tools).</summary>
    public static string ToolsDir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("ETL_TOOLS_DIR");
            if (string.IsNullOrEmpty(dir))
            {
                dir = Path.Combine(RepoPaths.Root, ".tools");
            }

            if (!Directory.Exists(Path.Combine(dir, "node_modules", "@duckdb", "node-api")))
            {
                Missing("DuckDB (@duckdb/node-api)", "ETL_TOOLS_DIR");
            }

            return dir;
        }
    }

    private static string Get(string variable, string service)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(value))
        {
            Missing(service, variable);
        }

        return value!;
    }

    private static void Missing(string service, string variable)
    {
        var message = $"{service} is not available ({variable} is not set). Run the tests with eng/test.sh, which starts it.";
        if (Required)
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }
}
