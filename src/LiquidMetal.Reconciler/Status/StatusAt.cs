using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Reconciler.Status;

/// <summary>The status branch at one commit: its documents, and what each host was last told (rendered/hosts).</summary>
/// <param name="Tip">The commit read; null when the branch does not exist yet.</param>
/// <param name="Snapshot">status/ at that commit; null when the branch does not exist yet.</param>
public sealed record StatusAt(string? Tip, StatusSnapshot? Snapshot, IReadOnlyList<RenderedHost> Rendered)
{
    public static StatusAt None { get; } = new(null, null, []);
}
