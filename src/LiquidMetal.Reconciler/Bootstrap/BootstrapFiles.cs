using System.Text;
using LiquidMetal.Fleet.Yaml;
using Newtonsoft.Json.Linq;
using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Bootstrap;

/// <summary>
/// bootstrap/clusters/&lt;name&gt;/secrets.age (the cluster's <see cref="ClusterSecrets"/>, sealed) and init.yaml (who
/// creates it, in the clear: nothing in it is secret, and a person may need to read or reset it).
/// </summary>
public static class BootstrapFiles
{
    public const string Prefix = "bootstrap/";

    public const string Folder = "bootstrap/clusters";

    public static string SecretsPath(string cluster) => $"{Folder}/{cluster}/secrets.age";

    public static string InitPath(string cluster) => $"{Folder}/{cluster}/init.yaml";

    /// <summary>The cluster a file under <see cref="Folder"/> belongs to, or null for a path of another shape.</summary>
    public static string? ClusterOf(string path)
    {
        if (!path.StartsWith(Folder + "/", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path[(Folder.Length + 1)..];
        var slash = rest.IndexOf('/');
        return slash > 0 ? rest[..slash] : null;
    }

    public static byte[] WriteInit(ClusterBootstrap bootstrap)
    {
        var text = new StringBuilder();
        text.Append("# Written by the LiquidMetal reconciler: which control plane creates this cluster with kubeadm init.\n");
        text.Append("# Once the cluster's API has answered, initialized is true and every new node joins it.\n");
        text.Append("apiVersion: liquidmetal.dev/v1alpha1\n");
        text.Append("kind: ClusterInit\n");
        text.Append("cluster: ").Append(bootstrap.Secrets.Cluster).Append('\n');
        text.Append("endpoint: \"").Append(bootstrap.Endpoint).Append("\"\n");
        text.Append("initNode: ").Append(bootstrap.InitNode).Append('\n');
        text.Append("initSpecHash: \"").Append(bootstrap.InitSpecHash).Append("\"\n");
        text.Append("initialized: ").Append(bootstrap.Initialized ? "true" : "false").Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>init.yaml's fields; a file that does not parse throws <see cref="InvalidDataException"/> naming it.</summary>
    public static (string Endpoint, string InitNode, string InitSpecHash, bool Initialized) ReadInit(string path, byte[] content)
    {
        var root = YamlTree.ReadMapping(path, content);
        var node = root.Text("initNode");
        var hash = root.Text("initSpecHash");
        if (root.Text("kind") != "ClusterInit" || string.IsNullOrEmpty(node) || string.IsNullOrEmpty(hash) || root["initialized"] is not JValue { Type: JTokenType.Boolean })
        {
            throw new InvalidDataException($"{path}: expected kind ClusterInit with initNode, initSpecHash and initialized (true or false)");
        }

        return (root.Text("endpoint") ?? string.Empty, node, hash, root.Flag("initialized"));
    }
}
