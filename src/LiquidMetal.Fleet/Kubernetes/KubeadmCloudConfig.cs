using System.Globalization;
using System.Text;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Kubernetes;

/// <summary>
/// The cloud-config that makes a VM (or a metal host) a kubeadm node of its cluster: kubeadm's init and join
/// configuration, containerd and kubelet settings, on control planes the cluster's CA files and a kube-vip static pod
/// holding the VIP (ARP mode), and a bootstrap script run last. Cluster secrets appear only as
/// <see cref="SecretSlots"/>, filled in when the spec is applied; everything else is plain and deterministic.
/// </summary>
public static class KubeadmCloudConfig
{
    /// <summary>Where the node's kubeadm configuration goes (root-only: it holds the bootstrap token).</summary>
    public const string InitConfigPath = "/etc/liquidmetal/kubeadm/init.yaml";

    public const string JoinConfigPath = "/etc/liquidmetal/kubeadm/join.yaml";

    public const string BootstrapScriptPath = "/usr/local/lib/liquidmetal/kubeadm-bootstrap";

    public const string KubeVipManifestPath = "/etc/kubernetes/manifests/kube-vip.yaml";

    /// <summary>Created when kubeadm finished; what a node's checks look for.</summary>
    public const string SuccessMarkerPath = "/run/liquidmetal/bootstrap-success";

    /// <summary>The node's parts the cloud-config depends on.</summary>
    /// <param name="Ipv4">The node's address on its cluster's network; null: kubeadm picks the default route's.</param>
    /// <param name="Interface">The guest NIC kube-vip announces the VIP on.</param>
    public sealed record Node(string Name, bool ControlPlane, string? Ipv4, string Interface = "eth0");

    /// <summary>The cloud-config for one node of a kubeadm cluster whose release validation resolved.</summary>
    public static string Render(ClusterDefinition cluster, Node node)
    {
        var release = cluster.Release ?? throw new ArgumentException($"cluster {cluster.Name} has no resolved Kubernetes release", nameof(cluster));
        var (endpointHost, endpointPort) = Endpoint(cluster.ControlPlane.Endpoint);
        var text = new StringBuilder(8192);
        text.Append("#cloud-config\n");
        text.Append("# Rendered by LiquidMetal: node ").Append(node.Name).Append(" of Kubernetes cluster ").Append(cluster.Name).Append(" (kubeadm, ")
            .Append(KubernetesRelease.DistributionName(release.Distribution)).Append(' ').Append(release.Version).Append(").\n");
        text.Append("# The secret slots below are filled in by the reconciler when it sends this to the host's agent: cluster secrets are never in Git.\n");
        text.Append("hostname: ").Append(node.Name).Append('\n');
        text.Append("write_files:\n");
        if (node.ControlPlane)
        {
            SecretFile(text, "/etc/kubernetes/pki/ca.crt", "0644", SecretSlots.ClusterCaCert);
            SecretFile(text, "/etc/kubernetes/pki/ca.key", "0600", SecretSlots.ClusterCaKey);
            SecretFile(text, "/etc/kubernetes/pki/etcd/ca.crt", "0644", SecretSlots.EtcdCaCert);
            SecretFile(text, "/etc/kubernetes/pki/etcd/ca.key", "0600", SecretSlots.EtcdCaKey);
            SecretFile(text, "/etc/kubernetes/pki/front-proxy-ca.crt", "0644", SecretSlots.FrontProxyCaCert);
            SecretFile(text, "/etc/kubernetes/pki/front-proxy-ca.key", "0600", SecretSlots.FrontProxyCaKey);
            SecretFile(text, "/etc/kubernetes/pki/sa.key", "0600", SecretSlots.ServiceAccountKey);
            SecretFile(text, "/etc/kubernetes/pki/sa.pub", "0644", SecretSlots.ServiceAccountPublicKey);
            File(text, InitConfigPath, "0600", InitConfiguration(cluster, release, node, endpointHost, endpointPort));
        }

        File(text, JoinConfigPath, "0600", JoinConfiguration(release, node, endpointHost, endpointPort));
        if (node.ControlPlane && cluster.ControlPlane.Vip is { Length: > 0 } vip)
        {
            File(text, KubeVipManifestPath, "0644", KubeVipManifest(vip, endpointPort, node.Interface));
        }

        File(text, "/etc/containerd/config.toml", "0644", ContainerdConfig(release, cluster.ImageRepository));
        File(text, "/etc/modules-load.d/kubernetes.conf", "0644", "overlay\nbr_netfilter\n");
        File(text, "/etc/sysctl.d/90-kubernetes.conf", "0644", "net.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n");
        File(text, BootstrapScriptPath, "0755", BootstrapScript(cluster, release, node));
        text.Append("runcmd:\n");
        text.Append("  - [").Append(BootstrapScriptPath).Append(", \"")
            .Append(node.ControlPlane ? SecretSlots.Slot(SecretSlots.ControlPlanePhase) : "join").Append("\"]\n");
        return text.ToString();
    }

    /// <summary>host and port of the API endpoint, from https://host:port, host:port or host (port 6443).</summary>
    public static (string Host, int Port) Endpoint(string endpoint)
    {
        var rest = endpoint.StartsWith("https://", StringComparison.Ordinal) ? endpoint["https://".Length..] : endpoint;
        rest = rest.TrimEnd('/');
        var colon = rest.LastIndexOf(':');
        if (colon > 0 && !rest.EndsWith(']') && int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return (rest[..colon], port);
        }

        return (rest, 6443);
    }

    private static string InitConfiguration(ClusterDefinition cluster, KubernetesRelease release, Node node, string endpointHost, int endpointPort)
    {
        var text = new StringBuilder(2048);
        text.Append("apiVersion: ").Append(release.KubeadmApiVersion).Append('\n');
        text.Append("kind: InitConfiguration\n");
        text.Append("bootstrapTokens:\n");
        text.Append("  - token: \"").Append(SecretSlots.Slot(SecretSlots.BootstrapToken)).Append("\"\n");
        text.Append("    description: \"LiquidMetal: joins the nodes of ").Append(cluster.Name).Append("\"\n");
        text.Append("    ttl: \"").Append(SecretSlots.Slot(SecretSlots.BootstrapTokenTtl)).Append("\"\n");
        text.Append("    usages: [signing, authentication]\n");
        text.Append("    groups: [\"system:bootstrappers:kubeadm:default-node-token\"]\n");
        if (node.Ipv4 is { } address)
        {
            text.Append("localAPIEndpoint:\n");
            text.Append("  advertiseAddress: \"").Append(address).Append("\"\n");
            text.Append("  bindPort: ").Append(endpointPort.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        NodeRegistration(text, release, node);
        text.Append("---\n");
        text.Append("apiVersion: ").Append(release.KubeadmApiVersion).Append('\n');
        text.Append("kind: ClusterConfiguration\n");
        text.Append("clusterName: ").Append(cluster.Name).Append('\n');
        text.Append("kubernetesVersion: ").Append(release.Version).Append('\n');
        text.Append("controlPlaneEndpoint: \"").Append(HostPort(endpointHost, endpointPort)).Append("\"\n");
        text.Append("imageRepository: ").Append(cluster.ImageRepository ?? release.ImageRepository).Append('\n');
        if (release.Distribution == KubernetesDistribution.EksD && cluster.ImageRepository is null)
        {
            // EKS-D publishes etcd and CoreDNS beside Kubernetes, not under it.
            text.Append("etcd:\n  local:\n    imageRepository: public.ecr.aws/eks-distro/etcd-io\n");
            text.Append("dns:\n  imageRepository: public.ecr.aws/eks-distro/coredns\n");
        }

        text.Append("certificatesDir: /etc/kubernetes/pki\n");
        text.Append("networking:\n");
        text.Append("  podSubnet: ").Append(cluster.PodSubnet).Append('\n');
        text.Append("  serviceSubnet: ").Append(cluster.ServiceSubnet).Append('\n');
        text.Append("  dnsDomain: cluster.local\n");
        text.Append("apiServer:\n");
        text.Append("  certSANs: [\"").Append(endpointHost).Append("\"]\n");
        text.Append("---\n");
        text.Append("apiVersion: kubelet.config.k8s.io/v1beta1\n");
        text.Append("kind: KubeletConfiguration\n");
        text.Append("cgroupDriver: systemd\n");
        return text.ToString();
    }

    private static string JoinConfiguration(KubernetesRelease release, Node node, string endpointHost, int endpointPort)
    {
        var text = new StringBuilder(1024);
        text.Append("apiVersion: ").Append(release.KubeadmApiVersion).Append('\n');
        text.Append("kind: JoinConfiguration\n");
        text.Append("discovery:\n");
        text.Append("  bootstrapToken:\n");
        text.Append("    apiServerEndpoint: \"").Append(HostPort(endpointHost, endpointPort)).Append("\"\n");
        text.Append("    token: \"").Append(SecretSlots.Slot(SecretSlots.BootstrapToken)).Append("\"\n");
        text.Append("    caCertHashes: [\"").Append(SecretSlots.Slot(SecretSlots.CaCertHash)).Append("\"]\n");
        NodeRegistration(text, release, node);
        if (node.ControlPlane)
        {
            text.Append("controlPlane:\n");
            if (node.Ipv4 is { } address)
            {
                text.Append("  localAPIEndpoint:\n");
                text.Append("    advertiseAddress: \"").Append(address).Append("\"\n");
                text.Append("    bindPort: ").Append(endpointPort.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            else
            {
                text.Append("  {}\n");
            }
        }

        return text.ToString();
    }

    private static void NodeRegistration(StringBuilder text, KubernetesRelease release, Node node)
    {
        text.Append("nodeRegistration:\n");
        text.Append("  name: ").Append(node.Name).Append('\n');
        text.Append("  criSocket: unix:///run/containerd/containerd.sock\n");
        if (node.Ipv4 is { } address)
        {
            // The kubelet reports the address on the cluster's network, not whichever the default route has.
            if (release.KubeadmApiVersion.EndsWith("v1beta4", StringComparison.Ordinal))
            {
                text.Append("  kubeletExtraArgs:\n    - name: node-ip\n      value: \"").Append(address).Append("\"\n");
            }
            else
            {
                text.Append("  kubeletExtraArgs:\n    node-ip: \"").Append(address).Append("\"\n");
            }
        }
    }

    /// <summary>kube-vip as a static pod in ARP mode, leader-elected among the control planes, as Cluster API's microVM provider runs it.</summary>
    private static string KubeVipManifest(string vip, int port, string device) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: kube-vip
          namespace: kube-system
        spec:
          hostNetwork: true
          hostAliases:
            - hostnames: [kubernetes]
              ip: 127.0.0.1
          containers:
            - name: kube-vip
              image: {KubernetesReleases.KubeVipImage}
              imagePullPolicy: IfNotPresent
              args: [manager]
              env:
                - {Env("address", vip)}
                - {Env("port", port.ToString(CultureInfo.InvariantCulture))}
                - {Env("vip_interface", device)}
                - {Env("vip_cidr", "32")}
                - {Env("vip_arp", "true")}
                - {Env("cp_enable", "true")}
                - {Env("cp_namespace", "kube-system")}
                - {Env("vip_leaderelection", "true")}
                - {Env("vip_leasename", "plndr-cp-lock")}
                - {Env("vip_leaseduration", "5")}
                - {Env("vip_renewdeadline", "3")}
                - {Env("vip_retryperiod", "1")}
              securityContext:
                capabilities:
                  add: [NET_ADMIN, NET_RAW]
              volumeMounts:
                - name: kubeconfig
                  mountPath: /etc/kubernetes/admin.conf
          volumes:
            - name: kubeconfig
              hostPath:
                path: /etc/kubernetes/admin.conf

        """;

    private static string Env(string name, string value) => $"{{ name: {name}, value: \"{value}\" }}";

    /// <summary>containerd's CRI plugin with the systemd cgroup driver (the kubelet's) and the release's pause image.</summary>
    private static string ContainerdConfig(KubernetesRelease release, string? mirror)
    {
        var pause = mirror is null ? release.PauseImage : mirror + release.PauseImage[release.PauseImage.LastIndexOf('/')..];
        return $"""
            version = 2
            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "{pause}"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
              SystemdCgroup = true

            """;
    }

    private static string BootstrapScript(ClusterDefinition cluster, KubernetesRelease release, Node node)
    {
        var text = new StringBuilder(2048);
        text.Append("#!/bin/sh\n");
        text.Append("# Written by LiquidMetal: makes this machine node ").Append(node.Name).Append(" of cluster ").Append(cluster.Name).Append(" with kubeadm.\n");
        text.Append("# $1: init (the control plane that creates the cluster), join-control-plane, or join (a worker).\n");
        text.Append("set -eu\n");
        text.Append("phase=\"$1\"\n");
        text.Append("echo \"liquidmetal-bootstrap: ").Append(node.Name).Append(": $phase\"\n");
        text.Append("modprobe overlay || true\n");
        text.Append("modprobe br_netfilter || true\n");
        text.Append("sysctl --system >/dev/null || true\n");
        text.Append("systemctl restart containerd\n");
        text.Append("systemctl enable kubelet\n");
        text.Append("case \"$phase\" in\n");
        if (node.ControlPlane)
        {
            var vip = cluster.ControlPlane.Vip is { Length: > 0 };
            text.Append("init)\n");
            if (vip && release.HasSuperAdminConf)
            {
                text.Append("    # Until init binds admin.conf's group, only super-admin.conf may hold the VIP's lease.\n");
                text.Append("    sed -i 's#path: /etc/kubernetes/admin.conf#path: /etc/kubernetes/super-admin.conf#' ").Append(KubeVipManifestPath).Append('\n');
            }

            text.Append("    kubeadm init --config ").Append(InitConfigPath).Append(" --ignore-preflight-errors=DirAvailable--etc-kubernetes-manifests\n");
            if (vip && release.HasSuperAdminConf)
            {
                text.Append("    sed -i 's#path: /etc/kubernetes/super-admin.conf#path: /etc/kubernetes/admin.conf#' ").Append(KubeVipManifestPath).Append('\n');
            }

            text.Append("    ;;\n");
            text.Append("join-control-plane)\n");
            text.Append("    kubeadm join --config ").Append(JoinConfigPath).Append(" --ignore-preflight-errors=DirAvailable--etc-kubernetes-manifests\n");
            text.Append("    ;;\n");
        }
        else
        {
            text.Append("join)\n");
            text.Append("    kubeadm join --config ").Append(JoinConfigPath).Append('\n');
            text.Append("    ;;\n");
        }

        text.Append("*)\n");
        text.Append("    echo \"liquidmetal-bootstrap: unknown phase '$phase'\" >&2\n");
        text.Append("    exit 2\n");
        text.Append("    ;;\n");
        text.Append("esac\n");
        text.Append("mkdir -p ").Append(SuccessMarkerPath[..SuccessMarkerPath.LastIndexOf('/')]).Append('\n');
        text.Append("touch ").Append(SuccessMarkerPath).Append('\n');
        text.Append("echo \"liquidmetal-bootstrap: ").Append(node.Name).Append(": done\"\n");
        return text.ToString();
    }

    private static string HostPort(string host, int port) =>
        (host.Contains(':') && !host.StartsWith('[') ? "[" + host + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);

    private static void SecretFile(StringBuilder text, string path, string permissions, string slot)
    {
        text.Append("  - path: ").Append(path).Append('\n');
        text.Append("    owner: root:root\n");
        text.Append("    permissions: \"").Append(permissions).Append("\"\n");
        text.Append("    encoding: b64\n");
        text.Append("    content: \"").Append(SecretSlots.Slot(slot)).Append("\"\n");
    }

    private static void File(StringBuilder text, string path, string permissions, string content)
    {
        text.Append("  - path: ").Append(path).Append('\n');
        text.Append("    owner: root:root\n");
        text.Append("    permissions: \"").Append(permissions).Append("\"\n");
        text.Append("    content: |\n");
        foreach (var line in content.AsSpan().TrimEnd('\n').EnumerateLines())
        {
            if (line.IsEmpty)
            {
                text.Append('\n');
            }
            else
            {
                text.Append("      ").Append(line).Append('\n');
            }
        }
    }
}
