using System.Text.Json;
using Etl.Core.Runs;
using Etl.Orchestration.Local;

namespace Etl.Cli.Commands;

/// <summary>
/// Finds a run by either of its names: the instance id the orchestration runtime gives it, or the run id that
/// <c>etl run</c> prints and that names its manifest segments (<c>20261203T081500123Z-abc</c>, or a round of it, <c>.r2</c>).
/// </summary>
internal static class RunLookup
{
    /// <summary>The instance for <paramref name="id"/>, or null when no run has that instance id or run id.</summary>
    public static async Task<InstanceState?> FindAsync(InstanceStore instances, string id, CancellationToken cancellationToken)
    {
        if (await instances.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } byInstance)
        {
            return byInstance;
        }

        var runId = DiscoverRequest.BaseRunId(id);
        InstanceState? byTag = null;
        foreach (var state in await instances.ListAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (RunIdOf(state) is { } recorded)
            {
                if (recorded == runId)
                {
                    return state;
                }
            }
            else if (byTag is null && runId.EndsWith("-" + Tag(state.InstanceId), StringComparison.Ordinal))
            {
                // A run still going has no output yet: its run id ends with the tag taken from its instance id.
                byTag = state;
            }
        }

        return byTag;
    }

    /// <summary>Whether the run completed having found nothing to process: not worth a line in the list of runs.</summary>
    public static bool FoundNothing(InstanceState state) =>
        state.RuntimeStatus == OrchestrationRuntimeStatus.Completed
        && state.Output is { ValueKind: JsonValueKind.Object } output
        && output.TryGetProperty("filesTotal", out var total) && total.ValueKind == JsonValueKind.Number && total.GetInt32() == 0;

    private static string? RunIdOf(InstanceState state) =>
        state.Output is { ValueKind: JsonValueKind.Object } output && output.TryGetProperty("runId", out var runId) && runId.ValueKind == JsonValueKind.String
            ? runId.GetString()
            : null;

    /// <summary>The part of a run id taken from its instance id (see <see cref="RunIds.Create"/>).</summary>
    private static string Tag(string instanceId) => RunIds.Create(DateTimeOffset.UnixEpoch, instanceId).Split('-', 2)[1];
}
