using System.CommandLine;
using Etl.Cli.Commands;

namespace Etl.Cli;

internal static class Program
{
    private static Task<int> Main(string[] args) => BuildRoot(Console.Out, Console.Error).Parse(args).InvokeAsync();

    internal static RootCommand BuildRoot(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("etl: turns files dropped in a lake's landing/ zone into typed, partitioned Parquet, exactly once per file version.");
        root.Subcommands.Add(RunCommand.Create(stdout, stderr));
        root.Subcommands.Add(InitCommand.Create(stdout, stderr));
        root.Subcommands.Add(GenerateCommand.Create(stdout, stderr));
        root.Subcommands.Add(ServeCommand.Create(stdout, stderr));
        root.Subcommands.Add(StatusCommand.Create(stdout, stderr));
        root.Subcommands.Add(WarehouseCommand.Create(stdout, stderr));
        return root;
    }
}
