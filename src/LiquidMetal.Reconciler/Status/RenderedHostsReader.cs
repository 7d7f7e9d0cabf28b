using System.Text;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Git;

namespace LiquidMetal.Reconciler.Status;

/// <summary>rendered/hosts/*.yaml at a commit of the status branch: what each host was last told to run.</summary>
public static class RenderedHostsReader
{
    /// <summary>The hosts whose documents read; each one that does not is described in <paramref name="unreadable"/> and left out.</summary>
    public static async Task<List<RenderedHost>> ReadAsync(GitMirror mirror, string commit, CancellationToken cancellationToken = default, ICollection<string>? unreadable = null)
    {
        var files = (await mirror.ReadFilesAsync(commit, "rendered/hosts", cancellationToken)).Where(f => f.Entry.Path.EndsWith(".yaml", StringComparison.Ordinal)).ToList();

        // Parsed in parallel (5 MB at 200 hosts), kept in path order.
        var read = new (RenderedHost? Host, List<Diagnostic> Problems)[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            var problems = new List<Diagnostic>();
            read[i] = (RenderedHostYaml.Read(files[i].Entry.Path, Encoding.UTF8.GetString(files[i].Content), problems), problems);
        });
        var at = commit[..Math.Min(12, commit.Length)];
        var hosts = new List<RenderedHost>(files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            foreach (var problem in read[i].Problems)
            {
                unreadable?.Add($"{problem} (at {at} on the status branch; the host's earlier placement is not used)");
            }

            // rendered/hosts/<host>.yaml: a document under another name (a copy, say) would make two records of one host.
            if (read[i].Host is { } host)
            {
                if (files[i].Entry.Path == $"rendered/hosts/{host.Host}.yaml")
                {
                    hosts.Add(host);
                }
                else
                {
                    unreadable?.Add($"{files[i].Entry.Path} at {at} on the status branch describes host {host.Host}, whose document is rendered/hosts/{host.Host}.yaml: left out");
                }
            }
        }

        return hosts;
    }
}
