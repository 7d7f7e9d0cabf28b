namespace LiquidMetal.Agent.Core.Convergence;

/// <summary>How long a failed VM waits before its next start: doubling from <see cref="Initial"/> up to <see cref="Max"/>.</summary>
internal sealed record BackoffPolicy(TimeSpan Initial, TimeSpan Max)
{
    public static BackoffPolicy Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));

    /// <param name="consecutiveFailures">1 for the first failure in a row.</param>
    public TimeSpan Delay(int consecutiveFailures)
    {
        if (consecutiveFailures <= 1)
        {
            return Min(Initial, Max);
        }

        // Past 2^30 the cap has long been reached; stop doubling before the arithmetic overflows.
        var exponent = Math.Min(consecutiveFailures - 1, 30);
        var ticks = Initial.Ticks * Math.Pow(2, exponent);
        return ticks >= Max.Ticks ? Max : TimeSpan.FromTicks((long)ticks);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
