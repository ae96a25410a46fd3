namespace Etl.Cli.Tests;

/// <summary>Sets process environment variables for a test and restores the previous values when disposed.</summary>
internal sealed class EnvironmentVariables : IDisposable
{
    private readonly List<(string Name, string? Old)> _saved = [];

    public EnvironmentVariables(params (string Name, string? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            _saved.Add((name, Environment.GetEnvironmentVariable(name)));
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, old) in _saved)
        {
            Environment.SetEnvironmentVariable(name, old);
        }
    }
}

/// <summary>
/// The test classes that set the same process-wide variables (AWS_*, ETL_WAREHOUSE_CONNECTION) for the in-process CLI:
/// they run one after another, so that one class's restore cannot pull a variable from under another's run.
/// </summary>
[CollectionDefinition(nameof(ProcessEnvironmentCollection))]
public sealed class ProcessEnvironmentCollection;
