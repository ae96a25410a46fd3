using System.CommandLine;

namespace Etl.Cli.Commands;

/// <summary><c>etl init</c>: scaffolds a runnable pipeline from a shipped template, the way <c>dbt init</c> does.</summary>
internal static class InitCommand
{
    private const string Prefix = "templates/";

    public static IReadOnlyList<string> Templates =>
        typeof(InitCommand).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith("/pipeline.yaml", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^"/pipeline.yaml".Length])
            .Order(StringComparer.Ordinal)
            .ToList();

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var dir = new Argument<string>("dir") { Description = "Folder to create the pipeline in." };
        var template = new Option<string>("--template", "-t")
        {
            Description = "Template: " + string.Join(", ", Templates) + ".",
            DefaultValueFactory = _ => "partner-sales",
        };
        var force = new Option<bool>("--force") { Description = "Write into a folder that is not empty." };
        var command = new Command("init", "Create a runnable pipeline (pipeline.yaml and a lake with sample landed files) from a template.")
        {
            dir, template, force,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = Path.GetFullPath(result.GetValue(dir)!);
            var name = result.GetValue(template)!;
            if (!Templates.Contains(name))
            {
                await stderr.WriteLineAsync($"Unknown template '{name}'. Choose one of: {string.Join(", ", Templates)}.").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !result.GetValue(force))
            {
                await stderr.WriteLineAsync($"{target} is not empty; choose a new folder or pass --force.").ConfigureAwait(false);
                return ExitCodes.ConfigurationError;
            }

            var assembly = typeof(InitCommand).Assembly;
            var prefix = Prefix + name + "/";
            var count = 0;
            foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
            {
                var path = Path.Combine(target, resource[prefix.Length..].Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var source = assembly.GetManifestResourceStream(resource)!;
                await using (source.ConfigureAwait(false))
                {
                    var file = File.Create(path);
                    await using (file.ConfigureAwait(false))
                    {
                        await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                    }
                }

                count++;
            }

            await File.WriteAllTextAsync(Path.Combine(target, "README.md"),
                $"# {name}\n\nCreated by `etl init --template {name}`. Run it with `etl run` in this folder; outputs go to `lake/processed`, `lake/rejects`, `lake/quarantine` and `lake/_meta`.\n",
                cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync($"created {target} from template '{name}' ({count} files). Next: cd {target} && etl run").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
