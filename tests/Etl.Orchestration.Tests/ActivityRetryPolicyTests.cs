namespace Etl.Orchestration.Tests;

public sealed class ActivityRetryPolicyTests
{
    private static readonly ActivityRetryPolicy s_policy = new(5, TimeSpan.FromSeconds(2), 3, TimeSpan.FromSeconds(30));

    [Fact]
    public void DelayAfter_GrowsByTheCoefficientUpToTheCap()
    {
        Enumerable.Range(1, 4).Select(s_policy.DelayAfter).ShouldBe(
            [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(18), TimeSpan.FromSeconds(30)]);
    }

    [Fact]
    public void ShouldRetry_OnlyTransientFailuresWhileAttemptsRemain()
    {
        s_policy.ShouldRetry(1, isTransient: true).ShouldBeTrue();
        s_policy.ShouldRetry(4, isTransient: true).ShouldBeTrue();
        s_policy.ShouldRetry(5, isTransient: true).ShouldBeFalse();
        s_policy.ShouldRetry(1, isTransient: false).ShouldBeFalse();
        ActivityRetryPolicy.None.ShouldRetry(1, isTransient: true).ShouldBeFalse();
    }
}
