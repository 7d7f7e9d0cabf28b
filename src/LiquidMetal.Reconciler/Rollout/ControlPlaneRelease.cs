using System.Globalization;
using System.Text;
using LiquidMetal.Fleet.Yaml;

namespace LiquidMetal.Reconciler.Rollout;

/// <summary>
/// The control plane of a cluster that is being replaced, as recorded on the status branch before its agent is told
/// (rollout/clusters/&lt;cluster&gt;.yaml). Two reconcilers may each decide, from what they observed a moment apart, to
/// replace a different control plane; the record is written with compare-and-swap, so one of them wins, and the other
/// reads it and replaces that same control plane or none. It stays until the next release in the cluster replaces it.
/// </summary>
/// <param name="Vm">The control plane's VM id.</param>
/// <param name="SpecHash">The spec it was released to run.</param>
public sealed record ControlPlaneRelease(string Cluster, string Vm, string SpecHash, DateTimeOffset ReleasedAt)
{
    public const string Folder = "rollout/clusters";

    public static string PathOf(string cluster) => $"{Folder}/{cluster}.yaml";

    public string Path => PathOf(Cluster);

    public byte[] ToBytes()
    {
        var text = new StringBuilder();
        text.Append("# Written by the LiquidMetal reconciler before it told the control plane's agent: while this control plane\n");
        text.Append("# has not run its new spec for the settle time, no other control plane of the cluster is replaced.\n");
        text.Append("apiVersion: liquidmetal.dev/v1alpha1\n");
        text.Append("kind: ControlPlaneRelease\n");
        text.Append("cluster: ").Append(YamlScalar.Write(Cluster)).Append('\n'); // a name such as 1e3 or null is quoted
        text.Append("vm: ").Append(YamlScalar.Write(Vm)).Append('\n');
        text.Append("specHash: \"").Append(SpecHash).Append("\"\n");
        text.Append("releasedAt: \"").Append(ReleasedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append("\"\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A release file's fields; one that does not parse throws <see cref="InvalidDataException"/> naming it.</summary>
    public static ControlPlaneRelease Read(string path, byte[] content)
    {
        var root = YamlTree.ReadMapping(path, content);
        var cluster = root.Text("cluster");
        var vm = root.Text("vm");
        var hash = root.Text("specHash");
        if (root.Text("kind") != "ControlPlaneRelease" || string.IsNullOrEmpty(cluster) || string.IsNullOrEmpty(vm) || string.IsNullOrEmpty(hash)
            || !DateTimeOffset.TryParse(root.Text("releasedAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            throw new InvalidDataException($"{path}: expected kind ControlPlaneRelease with cluster, vm, specHash and releasedAt (an ISO 8601 time)");
        }

        if (PathOf(cluster) != path)
        {
            throw new InvalidDataException($"{path}: names cluster {cluster}, whose release belongs in {PathOf(cluster)}");
        }

        return new ControlPlaneRelease(cluster, vm, hash, at);
    }
}
