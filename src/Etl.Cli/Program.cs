using System.CommandLine;
using Etl.Cli.Commands;

namespace Etl.Cli;

internal static class Program
{
    /// <summary>The exit code of a process stopped by Ctrl-C (128 + SIGINT), what shells and CI runners expect.</summary>
    public const int Interrupted = 130;

    private static async Task<int> Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();

        // The first Ctrl-C asks the command to stop at a safe point (so it can say how to resume); a second one kills it.
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = !interrupt.IsCancellationRequested;
            interrupt.Cancel();
        };
        return await InvokeAsync(args, Console.Out, Console.Error, interrupt.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Parses and runs a command: usage errors exit 2 in plain words, an interrupted command says how to carry on and
    /// exits 130, and an unexpected exception exits 3 with its details for a bug report.
    /// </summary>
    internal static async Task<int> InvokeAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var result = BuildRoot(stdout, stderr).Parse(args);
        if (result.Errors.Count > 0)
        {
            UsageErrors.Write(result, stderr);
            return ExitCodes.ConfigurationError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };
        try
        {
            return await result.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync(InterruptedHint(result.CommandResult.Command.Name)).ConfigureAwait(false);
            return Interrupted;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await stderr.WriteLineAsync($"etl {result.CommandResult.Command.Name} stopped on an unexpected error: {ex.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync("This is a bug, or a fault of the environment it ran in; the details below help to report it.").ConfigureAwait(false);
            await stderr.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            return ExitCodes.Unexpected;
        }
    }

    internal static string InterruptedHint(string command) => command switch
    {
        "run" => "Interrupted. The run is recorded in the lake: run the same etl run again to resume it (files whose results it recorded are not processed again); etl status shows it.",
        _ => $"Interrupted: etl {command} stopped before it finished.",
    };

    internal static RootCommand BuildRoot(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("etl: turns files dropped in a lake's landing/ zone into typed, partitioned Parquet, exactly once per file version.");
        root.Subcommands.Add(RunCommand.Create(stdout, stderr));
        root.Subcommands.Add(InitCommand.Create(stdout, stderr));
        root.Subcommands.Add(GenerateCommand.Create(stdout, stderr));
        root.Subcommands.Add(ServeCommand.Create(stdout, stderr));
        root.Subcommands.Add(StatusCommand.Create(stdout, stderr));
        root.Subcommands.Add(WarehouseCommand.Create(stdout, stderr));
        root.Subcommands.Add(VerifyCommand.Create(stdout, stderr));
        root.Subcommands.Add(ValidateCommand.Create(stdout, stderr));
        return root;
    }
}
