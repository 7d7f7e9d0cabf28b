using LibGit2Sharp;

namespace LiquidMetal.Git.Internal;

/// <summary>Runs libgit2 work and reports its failures as <see cref="GitException"/>, the one error this adapter throws.</summary>
internal static class Libgit2
{
    public static T Run<T>(string failure, Func<T> work)
    {
        try
        {
            return work();
        }
        catch (LibGit2SharpException e)
        {
            throw new GitException($"{failure}: {e.Message}", e);
        }
    }

    public static void Run(string failure, Action work) => Run(failure, () =>
    {
        work();
        return true;
    });
}
