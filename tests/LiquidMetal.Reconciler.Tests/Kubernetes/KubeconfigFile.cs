using System.Text;
using YamlDotNet.RepresentationModel;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

/// <summary>A kubeconfig read with a plain YAML parser, to check what Kubeconfig.Admin wrote without KubernetesClient.</summary>
internal sealed record KubeconfigFile(
    string ClusterName,
    string Server,
    string CertificateAuthorityPem,
    string UserName,
    string ClientCertificatePem,
    string ClientKeyPem,
    string ContextName,
    string ContextCluster,
    string ContextUser,
    string CurrentContext)
{
    public static KubeconfigFile Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;
        Assert.Equal("v1", Scalar(root, "apiVersion"));
        Assert.Equal("Config", Scalar(root, "kind"));
        var cluster = Single(root, "clusters");
        var user = Single(root, "users");
        var context = Single(root, "contexts");
        return new KubeconfigFile(
            Scalar(cluster, "name"),
            Scalar(cluster, "cluster", "server"),
            Decode(Scalar(cluster, "cluster", "certificate-authority-data")),
            Scalar(user, "name"),
            Decode(Scalar(user, "user", "client-certificate-data")),
            Decode(Scalar(user, "user", "client-key-data")),
            Scalar(context, "name"),
            Scalar(context, "context", "cluster"),
            Scalar(context, "context", "user"),
            Scalar(root, "current-context"));
    }

    private static YamlMappingNode Single(YamlMappingNode root, string key) =>
        (YamlMappingNode)Assert.Single(((YamlSequenceNode)root.Children[new YamlScalarNode(key)]).Children);

    private static string Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            current = ((YamlMappingNode)current).Children[new YamlScalarNode(key)];
        }

        return ((YamlScalarNode)current).Value!;
    }

    private static string Decode(string base64) => Encoding.ASCII.GetString(Convert.FromBase64String(base64));
}
