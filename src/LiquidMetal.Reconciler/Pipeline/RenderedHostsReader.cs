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
        var hosts = new List<RenderedHost>();
        var diagnostics = new List<Diagnostic>();
        foreach (var entry in await mirror.ListTreeAsync(commit, "rendered/hosts", cancellationToken))
        {
            if (entry.Type == "blob" && entry.Path.EndsWith(".yaml", StringComparison.Ordinal)
                && await mirror.ReadObjectAsync(entry.Id, cancellationToken) is { } blob
                && RenderedHostYaml.Read(entry.Path, Encoding.UTF8.GetString(blob.Content), diagnostics) is { } host)
            {
                hosts.Add(host);
            }
        }

        foreach (var problem in diagnostics)
        {
            unreadable?.Add($"{problem} (at {commit[..Math.Min(12, commit.Length)]} on the status branch; the host's earlier placement is not used)");
        }

        return hosts;
    }
}
