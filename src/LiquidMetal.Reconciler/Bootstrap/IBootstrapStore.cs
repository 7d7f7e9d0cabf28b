namespace LiquidMetal.Reconciler.Bootstrap;

/// <summary>Every kubeadm cluster's bootstrap (secrets and init), kept on the status branch beside status/ and rendered/.</summary>
public interface IBootstrapStore
{
    /// <summary>
    /// Reads what is kept at <paramref name="tip"/>, lets <paramref name="decide"/> say what each cluster's should be
    /// (a cluster it leaves out stays as kept), and commits the difference before returning: compare-and-swap, redone
    /// on the new tip after a lost race, so two reconcilers end up with one set of secrets, never two.
    /// </summary>
    Task<BootstrapAt> UpdateAsync(
        string? tip,
        Func<IReadOnlyDictionary<string, ClusterBootstrap>, IReadOnlyDictionary<string, ClusterBootstrap>> decide,
        CancellationToken cancellationToken);
}

/// <summary>The bootstrap of every cluster after an update, and the status branch's tip that holds it.</summary>
/// <param name="Changed">The clusters whose bootstrap this update wrote.</param>
public sealed record BootstrapAt(string? Tip, IReadOnlyDictionary<string, ClusterBootstrap> Clusters, IReadOnlyList<string> Changed);
