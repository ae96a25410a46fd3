namespace Etl.Benchmarks;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        var benchmarks = typeof(Program).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(IBenchmark).IsAssignableFrom(t))
            .Select(t => (IBenchmark)Activator.CreateInstance(t, nonPublic: true)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();

        var chosen = args.Length > 0 ? benchmarks.Find(b => string.Equals(b.Name, args[0], StringComparison.OrdinalIgnoreCase)) : null;
        if (chosen is null)
        {
            Console.Error.WriteLine("usage: dotnet run -c Release --project tests/Etl.Benchmarks -- <benchmark> [args]");
            foreach (var b in benchmarks)
            {
                Console.Error.WriteLine($"  {b.Name,-14} {b.Description}");
            }

            return 2;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        return await chosen.RunAsync(args[1..], cts.Token).ConfigureAwait(false);
    }
}
