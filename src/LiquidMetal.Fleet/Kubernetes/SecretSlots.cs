using System.Text;

namespace LiquidMetal.Fleet.Kubernetes;

/// <summary>
/// The places in a kubeadm node's rendered cloud-config that hold cluster secrets. What is rendered (and kept in Git)
/// has only the slot, <c>@@liquidmetal:name@@</c>; the reconciler fills the slots when it sends the spec to the agent.
/// A VM's hash is of the rendered text, so renewing a token or the init/join choice never replaces a running node.
/// </summary>
public static class SecretSlots
{
    public const string Prefix = "@@liquidmetal:";

    public const string Suffix = "@@";

    // Base64 of PEM files, written with encoding: b64.
    public const string ClusterCaCert = "ca.crt";
    public const string ClusterCaKey = "ca.key";
    public const string EtcdCaCert = "etcd-ca.crt";
    public const string EtcdCaKey = "etcd-ca.key";
    public const string FrontProxyCaCert = "front-proxy-ca.crt";
    public const string FrontProxyCaKey = "front-proxy-ca.key";
    public const string ServiceAccountKey = "sa.key";
    public const string ServiceAccountPublicKey = "sa.pub";

    /// <summary>The bootstrap token, id.secret.</summary>
    public const string BootstrapToken = "bootstrap-token";

    /// <summary>
    /// How long it has left when the spec is sent, as kubeadm's ttl ("57600s"). Not expires: kubeadm defaults ttl and
    /// refuses a token with both.
    /// </summary>
    public const string BootstrapTokenTtl = "bootstrap-token-ttl";

    /// <summary>sha256:&lt;hex&gt; of the cluster CA's public key, which joining nodes pin.</summary>
    public const string CaCertHash = "ca-cert-hash";

    /// <summary>init for the one control plane that creates the cluster, join for every other.</summary>
    public const string ControlPlanePhase = "control-plane-phase";

    public static string Slot(string name) => Prefix + name + Suffix;

    /// <summary>The slot names in <paramref name="text"/>, in order of first appearance.</summary>
    public static IReadOnlyList<string> Find(string text)
    {
        var names = new List<string>();
        for (var at = text.IndexOf(Prefix, StringComparison.Ordinal); at >= 0; at = text.IndexOf(Prefix, at + 1, StringComparison.Ordinal))
        {
            var end = text.IndexOf(Suffix, at + Prefix.Length, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            var name = text[(at + Prefix.Length)..end];
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>Every slot replaced by its value; a slot with no value is an error (a node must never boot half-filled).</summary>
    public static string Fill(string text, IReadOnlyDictionary<string, string> values)
    {
        var at = text.IndexOf(Prefix, StringComparison.Ordinal);
        if (at < 0)
        {
            return text;
        }

        var output = new StringBuilder(text.Length + 8192);
        var copied = 0;
        while (at >= 0)
        {
            var end = text.IndexOf(Suffix, at + Prefix.Length, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            var name = text[(at + Prefix.Length)..end];
            if (!values.TryGetValue(name, out var value))
            {
                throw new KeyNotFoundException($"no value for the cluster secret slot '{name}'");
            }

            output.Append(text, copied, at - copied).Append(value);
            copied = end + Suffix.Length;
            at = text.IndexOf(Prefix, copied, StringComparison.Ordinal);
        }

        return output.Append(text, copied, text.Length - copied).ToString();
    }
}
