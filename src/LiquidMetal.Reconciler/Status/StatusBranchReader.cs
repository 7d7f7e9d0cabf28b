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
        FleetStatusDocument? fleet = null;
        var clusters = ImmutableArray.CreateBuilder<ClusterStatusDocument>();
        var hosts = ImmutableArray.CreateBuilder<HostStatusDocument>();
        foreach (var entry in await mirror.ListTreeAsync(commit, "status", cancellationToken))
        {
            if (entry.Type != "blob" || !entry.Path.EndsWith(".yaml", StringComparison.Ordinal))
            {
                continue;
            }

            var blob = await mirror.ReadObjectAsync(entry.Id, cancellationToken) ?? throw new GitException($"{entry.Path} is missing from the mirror");
            var yaml = Encoding.UTF8.GetString(blob.Content);
            try
            {
                if (entry.Path == "status/fleet.yaml")
                {
                    fleet = StatusYaml.ReadFleet(yaml);
                }
                else if (entry.Path.StartsWith("status/clusters/", StringComparison.Ordinal))
                {
                    clusters.Add(StatusYaml.ReadCluster(yaml));
                }
                else if (entry.Path.StartsWith("status/hosts/", StringComparison.Ordinal))
                {
                    hosts.Add(StatusYaml.ReadHost(yaml));
                }
            }
            catch (Exception e) when (e is YamlDotNet.Core.YamlException or FormatException or OverflowException)
            {
                var problem = $"{entry.Path} at {commit[..Math.Min(12, commit.Length)]} on the status branch is not a status document: {e.Message}";
                if (unreadable is null)
                {
                    throw new InvalidDataException(problem, e);
                }

                unreadable.Add(problem);
            }
        }

        return new StatusSnapshot(commit, fleet, clusters.ToImmutable(), hosts.ToImmutable());
    }
}
