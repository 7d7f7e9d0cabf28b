using System.Runtime.ExceptionServices;

namespace LiquidMetal.Git.Internal;

/// <summary>
/// Work on many objects split over the cores. libgit2 hashes, inflates and deflates on the calling thread, and a
/// repository handle must not be shared between threads, so each part opens a handle of its own.
/// </summary>
internal static class InParts
{
    /// <summary>
    /// Runs <paramref name="part"/>(index, parts) for as many parts as there are cores, but none smaller than
    /// <paramref name="minimumPerPart"/> items; item i belongs to part i % parts. The first failure is rethrown as itself.
    /// </summary>
    public static void Run(int count, int minimumPerPart, Action<int, int> part, CancellationToken cancellationToken)
    {
        var parts = Math.Clamp(count / minimumPerPart, 1, Environment.ProcessorCount);
        if (parts == 1)
        {
            part(0, 1);
            return;
        }

        try
        {
            Parallel.For(0, parts, new ParallelOptions { CancellationToken = cancellationToken }, index => part(index, parts));
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }
}
