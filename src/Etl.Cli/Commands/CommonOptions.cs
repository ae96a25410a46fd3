using System.CommandLine;
using Etl.Core.Definition;
using Etl.Storage;

namespace Etl.Cli.Commands;

/// <summary>The <c>--config</c> and <c>--lake</c> options every command that works on a lake shares, and their resolution.</summary>
internal sealed class CommonOptions
{
    public Option<string> Config { get; } = new("--config", "-c")
    {
        Description = "The pipeline definition (YAML).",
        DefaultValueFactory = _ => "pipeline.yaml",
    };

    public Option<string?> Lake { get; } = new("--lake")
    {
        Description = "Override the lake from the definition: a folder, s3://bucket/prefix, az://container/prefix or a Blob URL.",
    };

    /// <summary>Loads the definition and opens its lake; on a problem writes it to <paramref name="stderr"/> and returns null.</summary>
    public async Task<(PipelineDefinition Definition, IObjectStore Store)?> OpenAsync(ParseResult result, TextWriter stderr)
    {
        try
        {
            var definition = PipelineDefinitionLoader.Load(result.GetValue(Config)!);
            var lake = result.GetValue(Lake) is { } l ? LakeStores.Resolve(l) : definition.Lake;
            return (definition, LakeStores.Open(lake));
        }
        catch (EtlException ex) when (ex is PipelineDefinitionException or StorageException)
        {
            await stderr.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return null;
        }
    }
}
