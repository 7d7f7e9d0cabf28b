using System.Collections.Immutable;
using LiquidMetal.Fleet.Kubernetes;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Loading;

/// <summary>
/// Schema-checked documents to model records. Sizes, image and Kubernetes version a cluster leaves out
/// stay empty (0, "") here; <see cref="Validation.SemanticChecks"/> fills them from the fleet defaults or reports them.
/// </summary>
internal static class DocumentMapper
{
    public static FleetSettings Fleet(DocumentReader doc, string file)
    {
        var spec = doc.Object(doc.Root, "spec");
        var defaults = doc.Object(spec, "defaults");
        var verify = doc.Object(spec, "verify");
        return new FleetSettings
        {
            Name = doc.String(doc.Root, "metadata.name")!,
            File = file,
            DefaultImage = Image(doc, doc.Object(defaults, "image")),
            DefaultKubernetesVersion = doc.String(defaults, "kubernetesVersion"),
            DefaultControlPlaneSize = Size(doc, doc.Object(defaults, "controlPlane")),
            DefaultWorkerSize = Size(doc, doc.Object(defaults, "worker")),
            CpuOvercommit = doc.Double(spec, "placement.cpuOvercommit") ?? 1.0,
            WorkerSpread = doc.String(spec, "placement.workerSpread") == "pack" ? WorkerSpreadPolicy.Pack : WorkerSpreadPolicy.Spread,
            StatusBranch = doc.String(spec, "status.branch"),
            Verify = verify is null
                ? VerifyPolicy.None
                : new VerifyPolicy(
                    doc.String(verify, "mode") switch { "ssh" => VerifyMode.Ssh, "gpg" => VerifyMode.Gpg, _ => VerifyMode.None },
                    doc.String(verify, "allowedSignersFile"),
                    [.. doc.Strings(verify, "gpgFingerprints")]),
        };
    }

    public static HostDefinition Host(DocumentReader doc, string file)
    {
        var spec = doc.Object(doc.Root, "spec");
        var roles = HostRoles.None;
        foreach (var role in doc.Strings(spec, "roles"))
        {
            roles |= role == "metal" ? HostRoles.Metal : HostRoles.Microvm;
        }

        return new HostDefinition
        {
            Name = doc.String(doc.Root, "metadata.name")!,
            File = file,
            Labels = doc.Map(doc.Root, "metadata.labels"),
            AgentEndpoint = doc.String(spec, "agent.endpoint")!,
            FailureDomain = doc.String(spec, "failureDomain")!,
            Capacity = new Resources(doc.Int(spec, "capacity.cpu") ?? 0, doc.Long(spec, "capacity.memoryMiB") ?? 0),
            Reserved = new Resources(doc.Int(spec, "reserved.cpu") ?? 0, doc.Long(spec, "reserved.memoryMiB") ?? 0),
            Roles = roles == HostRoles.None ? HostRoles.Microvm : roles,
            ControlPlaneAllowed = doc.Bool(spec, "controlPlaneAllowed") ?? false,
        };
    }

    public static ClusterDefinition Cluster(DocumentReader doc, string file)
    {
        var spec = doc.Object(doc.Root, "spec");
        var controlPlane = doc.Object(spec, "controlPlane");
        var pools = ImmutableArray.CreateBuilder<WorkerPoolSpec>();
        foreach (var pool in doc.Objects(spec, "workerPools"))
        {
            pools.Add(new WorkerPoolSpec
            {
                Name = doc.String(pool, "name")!,
                Mode = doc.String(pool, "mode") == "metal" ? PoolMode.Metal : PoolMode.Microvm,
                Replicas = doc.Int(pool, "replicas") ?? 0,
                Vcpu = doc.Int(pool, "vcpu") ?? 0,
                MemoryMiB = doc.Long(pool, "memoryMiB") ?? 0,
                HostSelector = doc.Map(pool, "hostSelector.matchLabels"),
            });
        }

        return new ClusterDefinition
        {
            Name = doc.String(doc.Root, "metadata.name")!,
            File = file,
            KubernetesVersion = doc.String(spec, "kubernetes.version") ?? string.Empty,
            Distribution = doc.String(spec, "kubernetes.distribution") == "eks-d" ? KubernetesDistribution.EksD : KubernetesDistribution.Upstream,
            PodSubnet = doc.String(spec, "kubernetes.podSubnet") ?? ClusterDefinition.DefaultPodSubnet,
            ServiceSubnet = doc.String(spec, "kubernetes.serviceSubnet") ?? ClusterDefinition.DefaultServiceSubnet,
            ImageRepository = doc.String(spec, "kubernetes.imageRepository"),
            Bootstrap = doc.Object(spec, "bootstrap") is null ? BootstrapMode.Kubeadm : BootstrapMode.UserData,
            HostSelector = doc.Map(spec, "hostSelector.matchLabels"),
            ControlPlane = new ControlPlaneSpec(
                doc.Int(controlPlane, "replicas") ?? 0,
                doc.Int(controlPlane, "vcpu") ?? 0,
                doc.Long(controlPlane, "memoryMiB") ?? 0,
                doc.String(controlPlane, "endpoint") ?? string.Empty)
            {
                Vip = doc.String(controlPlane, "vip"),
            },
            WorkerPools = pools.ToImmutable(),
            Image = Image(doc, doc.Object(spec, "image")) ?? new ImageRef(string.Empty, string.Empty, null),
            UserDataTemplate = doc.String(spec, "bootstrap.userData") ?? string.Empty,
            Network = doc.String(spec, "network"),
            Suspend = doc.Bool(spec, "suspend") ?? false,
        };
    }

    public static NetworkDefinition Network(DocumentReader doc, string file)
    {
        var spec = doc.Object(doc.Root, "spec");
        var ipv4 = doc.Object(spec, "ipv4");
        var ipv6 = doc.Object(spec, "ipv6");
        return new NetworkDefinition
        {
            Name = doc.String(doc.Root, "metadata.name")!,
            File = file,
            HostSelector = doc.Map(spec, "hostSelector.matchLabels"),
            Bridge = doc.String(spec, "bridge")!,
            Vlan = doc.Int(spec, "vlan") ?? 0,
            Ipv4Cidr = doc.String(ipv4, "cidr")!,
            Ipv4Gateway = doc.String(ipv4, "gateway"),
            NodeAddresses = [.. doc.Strings(ipv4, "nodeAddresses")],
            Ipv6Cidr = doc.String(ipv6, "cidr"),
            Ipv6Gateway = doc.String(ipv6, "gateway"),
            DnsServers = [.. doc.Strings(spec, "dns.servers")],
            DnsSearch = [.. doc.Strings(spec, "dns.search")],
        };
    }

    private static ImageRef? Image(DocumentReader doc, Newtonsoft.Json.Linq.JObject? image) =>
        image is null ? null : new ImageRef(doc.String(image, "kernel")!, doc.String(image, "initrd")!, doc.String(image, "rootVolume"));

    private static Resources? Size(DocumentReader doc, Newtonsoft.Json.Linq.JObject? size) =>
        size is null ? null : new Resources(doc.Int(size, "vcpu") ?? 0, doc.Long(size, "memoryMiB") ?? 0);
}
