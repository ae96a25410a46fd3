namespace Etl.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output, through the same entry point as the program.</summary>
internal static class Cli
{
    public static async Task<(int Code, string Stdout, string Stderr)> InvokeAsync(params string[] args) =>
        await InvokeAsync(CancellationToken.None, args);

    public static async Task<(int Code, string Stdout, string Stderr)> InvokeAsync(CancellationToken cancellationToken, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.InvokeAsync(args, stdout, stderr, cancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
