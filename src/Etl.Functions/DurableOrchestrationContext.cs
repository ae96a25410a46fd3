using Etl.Orchestration;
using Microsoft.DurableTask;

namespace Etl.Functions;

/// <summary>
/// Our orchestration port over Durable's <see cref="TaskOrchestrationContext"/>. Retries follow
/// <see cref="ActivityRetryPolicy"/> (transient failures only, exponential delays as durable timers), and a failed
/// activity or sub-orchestration surfaces as <see cref="ActivityFailedException"/>, as in the local runtime.
/// </summary>
internal sealed class DurableOrchestrationContext(TaskOrchestrationContext context) : IOrchestrationContext
{
    public string InstanceId => context.InstanceId;

    public DateTime CurrentUtcDateTime => context.CurrentUtcDateTime;

    public bool IsReplaying => context.IsReplaying;

    public async Task<TResult> CallActivityAsync<TResult>(string name, object? input, ActivityRetryPolicy? retry = null)
    {
        var policy = retry ?? ActivityRetryPolicy.None;
        var options = TaskOptions.FromRetryHandler(async retryContext =>
        {
            if (!policy.ShouldRetry(retryContext.LastAttemptNumber, IsTransient(retryContext.LastFailure)))
            {
                return false;
            }

            // A durable timer: the wait survives a restart of the worker, and replay skips it once it has fired.
            await retryContext.OrchestrationContext.CreateTimer(policy.DelayAfter(retryContext.LastAttemptNumber), retryContext.CancellationToken).ConfigureAwait(true);
            return true;
        });
        try
        {
            return await context.CallActivityAsync<TResult>(name, input, options).ConfigureAwait(true);
        }
        catch (TaskFailedException ex)
        {
            throw Failed(name, ex);
        }
    }

    public async Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input)
    {
        try
        {
            return await context.CallSubOrchestratorAsync<TResult>(name, input).ConfigureAwait(true);
        }
        catch (TaskFailedException ex)
        {
            throw Failed(name, ex);
        }
    }

    public void SetCustomStatus(object? status) => context.SetCustomStatus(status);

    /// <summary>
    /// Whether a failure was a <see cref="TransientActivityException"/>. Durable records the exception's type by name;
    /// <see cref="TaskFailureDetails.IsCausedBy{T}"/> resolves it to the type (and its base types) instead of
    /// comparing strings.
    /// </summary>
    internal static bool IsTransient(TaskFailureDetails failure) => failure.IsCausedBy<TransientActivityException>();

    private static ActivityFailedException Failed(string name, TaskFailedException ex) =>
        new(name, ex.FailureDetails.ErrorMessage, IsTransient(ex.FailureDetails), ex);
}
