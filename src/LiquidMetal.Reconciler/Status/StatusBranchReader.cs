using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Git;

namespace LiquidMetal.Reconciler.Status;

/// <summary>Reads the status documents at a commit of the status branch, straight from the mirror's objects.</summary>
public static class StatusBranchReader
{
    /// <param name="unreadable">When given, a document that cannot be read is described here and skipped (the reconciler
    /// owns status/ and rewrites it); when null, it is an error (a person asked to see it).</param>
    public static async Task<StatusSnapshot> ReadAsync(GitMirror mirror, string commit, CancellationToken cancellationToken = default, ICollection<string>? unreadable = null)
    {
        var files = (await mirror.ReadFilesAsync(commit, "status", cancellationToken)).Where(f => f.Entry.Path.EndsWith(".yaml", StringComparison.Ordinal)).ToList();

        // Parsed in parallel, kept in path order.
        var documents = new (object? Document, string? Problem)[files.Count];
        Parallel.For(0, files.Count, i => documents[i] = Parse(files[i].Entry.Path, files[i].Content, commit));
        FleetStatusDocument? fleet = null;
        var clusters = ImmutableArray.CreateBuilder<ClusterStatusDocument>();
        var hosts = ImmutableArray.CreateBuilder<HostStatusDocument>();
        foreach (var (document, problem) in documents)
        {
            switch (document)
            {
                case FleetStatusDocument f:
                    fleet = f;
                    break;
                case ClusterStatusDocument c:
                    clusters.Add(c);
                    break;
                case HostStatusDocument h:
                    hosts.Add(h);
                    break;
            }

            if (problem is not null)
            {
                if (unreadable is null)
                {
                    throw new InvalidDataException(problem);
                }

                unreadable.Add(problem);
            }
        }

        return new StatusSnapshot(commit, fleet, clusters.ToImmutable(), hosts.ToImmutable());
    }

    private static (object? Document, string? Problem) Parse(string path, byte[] content, string commit)
    {
        var yaml = Encoding.UTF8.GetString(content);
        try
        {
            return path == "status/fleet.yaml" ? (StatusYaml.ReadFleet(yaml), null)
                : path.StartsWith("status/clusters/", StringComparison.Ordinal) ? (StatusYaml.ReadCluster(yaml), null)
                : path.StartsWith("status/hosts/", StringComparison.Ordinal) ? (StatusYaml.ReadHost(yaml), null)
                : (null, null);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return (null, $"{path} at {commit[..Math.Min(12, commit.Length)]} on the status branch is not a status document: {e.Message}");
        }
    }
}
