using System.Diagnostics;

namespace Etl.Testing;

/// <summary>Runs one of the repo's eng/*.mjs scripts with Node, with the npm tools folder on hand.</summary>
public static class NodeScript
{
    /// <summary>Runs <c>eng/<paramref name="script"/></c> with <paramref name="arguments"/> and optional stdin; returns stdout or throws with stderr.</summary>
    public static async Task<string> RunAsync(string script, IEnumerable<string> arguments, string? stdin = null, CancellationToken cancellationToken = default)
    {
        var tools = TestServices.ToolsDir;
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(RepoPaths.Get("eng", script));
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["ETL_TOOLS_DIR"] = tools;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start node.");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} failed (exit {process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }
}
