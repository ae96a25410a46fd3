using System.CommandLine;
using Etl.Storage;

namespace Etl.Cli.Commands;

/// <summary><c>etl verify</c>: checks that the lake is what its manifest says, and that its services answer.</summary>
internal static class VerifyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var command = new Command("verify", "Check the lake: every output the manifest records is in processed/ and is a whole Parquet file, nothing else is there, no temp files or stale leases are left, and the lake and warehouse answer. Reads only; prints each problem with its fix.")
        {
            common.Config, common.Lake,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (await common.OpenAsync(result, stderr).ConfigureAwait(false) is not { } opened)
            {
                return ExitCodes.ConfigurationError;
            }

            List<Finding> findings;
            try
            {
                findings = await new LakeCheck(opened.Definition, opened.Store, result.GetValue(common.Config)!).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StorageException or IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"PROBLEM the lake {opened.Store.Description} cannot be read: {ex.Message}").ConfigureAwait(false);
                await stderr.WriteLineAsync("        fix: check the lake's location and credentials (docs/storage.md), then run etl verify again.").ConfigureAwait(false);
                return ExitCodes.Unexpected;
            }

            await stdout.WriteLineAsync($"Verifying {opened.Store.Description} for pipeline {opened.Definition.Name}:").ConfigureAwait(false);
            foreach (var f in findings)
            {
                await stdout.WriteLineAsync($"{(f.Ok ? "ok     " : "PROBLEM")} {f.What}").ConfigureAwait(false);
                if (f.Fix is not null)
                {
                    await stdout.WriteLineAsync($"        fix: {f.Fix}").ConfigureAwait(false);
                }
            }

            var problems = findings.Count(f => !f.Ok);
            await stdout.WriteLineAsync(problems == 0 ? "The lake is consistent." : $"{problems} problem(s) found.").ConfigureAwait(false);
            return problems == 0 ? ExitCodes.Success : ExitCodes.FilesFailed;
        });
        return command;
    }
}
