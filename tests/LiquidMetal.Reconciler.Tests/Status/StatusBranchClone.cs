using LiquidMetal.Git.Tests;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Status;

/// <summary>A person's clone of the fleet repository, reading and writing the status branch as people do.</summary>
internal static class StatusBranchClone
{
    /// <summary>A new repository on <paramref name="server"/> whose main holds a fleet.yaml, and a person's clone of it.</summary>
    public static (string Url, string Clone) Start(GitDaemonFixture server, string name)
    {
        var url = server.CreateRepository(name + "-" + Guid.NewGuid().ToString("N")[..8]);
        var clone = GitTool.Clone(url);
        GitTool.CommitFile(clone, "fleet.yaml", "kind: Fleet\n", "first");
        GitTool.Run(clone, "push", "--quiet", "origin", "HEAD:main");
        return (url, clone);
    }

    /// <summary>A person's commit on <paramref name="branch"/>: <paramref name="edit"/> changes the checked-out files; pushed.</summary>
    public static void Commit(string clone, string branch, Action<string> edit, string message)
    {
        GitTool.Run(clone, "fetch", "--quiet", "origin");
        GitTool.Run(clone, "checkout", "--quiet", "-B", "edit", $"origin/{branch}");
        edit(clone);
        GitTool.Run(clone, "add", "-A");
        GitTool.Run(clone, "-c", "user.name=P", "-c", "user.email=p@example.com", "commit", "--quiet", "-m", message);
        GitTool.Run(clone, "push", "--quiet", "origin", $"HEAD:{branch}");
    }

    /// <summary>A file at a commit of the remote, with its final newline.</summary>
    public static string Show(string clone, string commit, string path)
    {
        GitTool.Run(clone, "fetch", "--quiet", "origin");
        return GitTool.Run(clone, "show", $"{commit}:{path}") + "\n";
    }
}
