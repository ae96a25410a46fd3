using Etl.Orchestration;
using Microsoft.DurableTask;

namespace Etl.Functions;

/// <summary>
/// Our orchestration port over Durable Functions' <see cref="TaskOrchestrationContext"/>. Retries follow
/// <see cref="ActivityRetryPolicy"/> (transient failures only, exponential delays as durable timers), and a failure
/// that outlives its retries surfaces as <see cref="ActivityFailedException"/>, as in the local runtime.
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
            if (!policy.ShouldRetry(retryContext.LastAttemptNumber, TransientActivityException.IsErrorType(retryContext.LastFailure.ErrorType)))
            {
                return false;
            }

            await retryContext.OrchestrationContext.CreateTimer(policy.DelayAfter(retryContext.LastAttemptNumber), retryContext.CancellationToken).ConfigureAwait(true);
            return true;
        });
        try
        {
            return await context.CallActivityAsync<TResult>(name, input, options).ConfigureAwait(true);
        }
        catch (TaskFailedException ex)
        {
            throw new ActivityFailedException(name, ex.FailureDetails.ErrorMessage, TransientActivityException.IsErrorType(ex.FailureDetails.ErrorType), ex);
        }
    }

    public Task<TResult> CallSubOrchestratorAsync<TResult>(string name, object? input) => context.CallSubOrchestratorAsync<TResult>(name, input);

    public void SetCustomStatus(object? status) => context.SetCustomStatus(status);
}
