using System.Collections.Immutable;
using System.Text;
using LiquidMetal.Git;

namespace LiquidMetal.Reconciler.Status;

/// <summary>Reads the status documents at a commit of the status branch, straight from the mirror's objects.</summary>
public static class StatusBranchReader
{
    public static async Task<StatusSnapshot> ReadAsync(GitMirror mirror, string commit, CancellationToken cancellationToken = default)
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
            catch (YamlDotNet.Core.YamlException e)
            {
                throw new InvalidDataException($"{entry.Path} at {commit[..Math.Min(12, commit.Length)]} on the status branch is not a status document: {e.Message}", e);
            }
        }

        return new StatusSnapshot(commit, fleet, clusters.ToImmutable(), hosts.ToImmutable());
    }
}
