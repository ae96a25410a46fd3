using System.Diagnostics;

namespace Etl.Benchmarks;

/// <summary>Small helpers shared by the benchmarks.</summary>
internal static class BenchmarkStats
{
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string ToolsDir => Environment.GetEnvironmentVariable("ETL_TOOLS_DIR") ?? Path.Combine(Etl.Testing.RepoPaths.Root, ".tools");

    /// <summary>Runs a node script from eng/ and returns stdout.</summary>
    public static string RunNode(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Etl.Testing.RepoPaths.Get("eng", script));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["ETL_TOOLS_DIR"] = ToolsDir;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} failed: {stderr}");
        }

        return stdout;
    }
}
