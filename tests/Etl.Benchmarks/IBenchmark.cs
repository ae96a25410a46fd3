namespace Etl.Benchmarks;

/// <summary>
/// A benchmark run by <c>dotnet run -c Release --project tests/Etl.Benchmarks -- NAME [args]</c>. Each one times our code
/// beside its reference (DuckDB, psql, a plain file copy) in the same run, several times, and prints medians and ratios.
/// </summary>
internal interface IBenchmark
{
    /// <summary>Name used on the command line.</summary>
    string Name { get; }

    /// <summary>One line saying what it measures and against what.</summary>
    string Description { get; }

    /// <summary>Runs it; returns the process exit code.</summary>
    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}
