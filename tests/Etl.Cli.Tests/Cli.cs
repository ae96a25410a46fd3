namespace Etl.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output.</summary>
internal static class Cli
{
    public static async Task<(int Code, string Stdout, string Stderr)> InvokeAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Program.BuildRoot(stdout, stderr).Parse(args).InvokeAsync();
        return (code, stdout.ToString(), stderr.ToString());
    }
}
