using System.Diagnostics;

namespace LiquidMetal.Reconciler.Tests;

/// <summary>Waits for something the test expects to happen (positive evidence), failing after a generous timeout.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < limit, $"not within {limit.TotalSeconds} s: {what}");
            await Task.Delay(5);
        }
    }
}
