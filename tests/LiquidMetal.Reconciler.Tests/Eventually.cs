using System.Diagnostics;

namespace LiquidMetal.Reconciler.Tests;

/// <summary>Waits for something the test expects to happen (positive evidence), failing after a generous timeout.</summary>
internal static class Eventually
{
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        ValueAsync(() => condition() ? what : null, what, timeout);

    /// <summary>Waits until <paramref name="probe"/> gives something, and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<T?> probe, string what, TimeSpan? timeout = null)
        where T : class
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(clock.Elapsed < limit, $"not within {limit.TotalSeconds} s: {what}");
            await Task.Delay(5);
        }
    }
}
