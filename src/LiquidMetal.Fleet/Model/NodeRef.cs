namespace LiquidMetal.Fleet.Model;

/// <summary>
/// One node a cluster asks for. Names are stable and readable: <c>&lt;cluster&gt;-cp-&lt;n&gt;</c> for the control plane,
/// <c>&lt;cluster&gt;-&lt;pool&gt;-&lt;n&gt;</c> for workers, ordinals from 1.
/// </summary>
public sealed record NodeRef(string Name, string Cluster, string Pool, int Ordinal, NodeRole Role)
{
    public const string ControlPlanePool = "cp";

    public static string NameOf(string cluster, string pool, int ordinal) => $"{cluster}-{pool}-{ordinal}";
}
