using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Git;

namespace LiquidMetal.Reconciler.Pipeline;

/// <summary>rendered/hosts/*.yaml at a commit of the status branch: what each host was last told to run.</summary>
public static class RenderedHostsReader
{
    /// <summary>The hosts whose documents read; each one that does not is described in <paramref name="unreadable"/> and left out.</summary>
    public static async Task<List<RenderedHost>> ReadAsync(GitMirror mirror, string commit, CancellationToken cancellationToken = default, ICollection<string>? unreadable = null)
    {
        var entries = (await mirror.ListTreeAsync(commit, "rendered/hosts", cancellationToken))
            .Where(e => e.Type == "blob" && e.Path.EndsWith(".yaml", StringComparison.Ordinal)).ToList();
        var blobs = await mirror.ReadObjectsAsync([.. entries.Select(e => e.Id)], cancellationToken);

        // Parsed in parallel (5 MB at 200 hosts), kept in path order.
        var read = new (RenderedHost? Host, List<Diagnostic> Problems)[entries.Count];
        Parallel.For(0, entries.Count, i =>
        {
            var problems = new List<Diagnostic>();
            read[i] = (blobs[i] is { } blob ? RenderedHostYaml.Read(entries[i].Path, Encoding.UTF8.GetString(blob.Content), problems) : null, problems);
        });
        var at = commit[..Math.Min(12, commit.Length)];
        var hosts = new List<RenderedHost>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            foreach (var problem in read[i].Problems)
            {
                unreadable?.Add($"{problem} (at {at} on the status branch; the host's earlier placement is not used)");
            }

            // rendered/hosts/<host>.yaml: a document under another name (a copy, say) would make two records of one host.
            if (read[i].Host is { } host)
            {
                if (entries[i].Path == $"rendered/hosts/{host.Host}.yaml")
                {
                    hosts.Add(host);
                }
                else
                {
                    unreadable?.Add($"{entries[i].Path} at {at} on the status branch describes host {host.Host}, whose document is rendered/hosts/{host.Host}.yaml: left out");
                }
            }
        }

        return hosts;
    }
}
