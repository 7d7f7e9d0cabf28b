using System.Text;
using k8s.Models;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>The <c>kube-system/bootstrap-token-&lt;id&gt;</c> Secret through which the API server accepts a token.</summary>
internal static class BootstrapTokenSecret
{
    public const string Namespace = "kube-system";
    public const string Type = "bootstrap.kubernetes.io/token";

    /// <summary>The group kubeadm's RBAC lets join nodes (post CSRs, read cluster-info and kubeadm-config).</summary>
    public const string NodeGroup = "system:bootstrappers:kubeadm:default-node-token";

    public static string Name(BootstrapToken token) => $"bootstrap-token-{token.Id}";

    /// <summary>The Secret with the fields kubeadm writes for a join token.</summary>
    public static V1Secret For(string cluster, BootstrapToken token) => new()
    {
        ApiVersion = V1Secret.KubeApiVersion,
        Kind = V1Secret.KubeKind,
        Metadata = new V1ObjectMeta { Name = Name(token), NamespaceProperty = Namespace },
        Type = Type,
        Data = new Dictionary<string, byte[]>
        {
            ["description"] = Bytes($"Join token for cluster {cluster}, made by LiquidMetal."),
            ["token-id"] = Bytes(token.Id),
            ["token-secret"] = Bytes(token.Secret),
            ["expiration"] = Bytes(token.ExpiresRfc3339),
            ["usage-bootstrap-authentication"] = Bytes("true"),
            ["usage-bootstrap-signing"] = Bytes("true"),
            ["auth-extra-groups"] = Bytes(NodeGroup),
        },
    };

    /// <summary>True when <paramref name="existing"/> is a bootstrap-token Secret holding this token's id and secret.</summary>
    public static bool Holds(V1Secret existing, BootstrapToken token) =>
        existing.Type == Type
        && existing.Data is { } data
        && data.TryGetValue("token-id", out var id) && id.AsSpan().SequenceEqual(Bytes(token.Id))
        && data.TryGetValue("token-secret", out var secret) && secret.AsSpan().SequenceEqual(Bytes(token.Secret));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
