using System.Globalization;
using System.Text;

namespace LiquidMetal.Bench;

/// <summary>The two shapes of fleet LiquidMetal runs: many small edge sites, or one large core location.</summary>
public enum FleetShape
{
    /// <summary>Sites of five sleds; every cluster is pinned to its site.</summary>
    Edge,

    /// <summary>One pool of identical generic servers in racks of 20; every cluster may be placed on any host.</summary>
    Pool,
}

/// <summary>
/// Generates fleet repos shaped like real fleets, about two clusters per host and about ten microVMs per cluster (so
/// about 20 per host). <see cref="FleetShape.Edge"/>: sites of five sleds (three that may run control planes, two
/// workers-only; every tenth site gives its fifth sled to bare metal), each cluster pinned to its site.
/// <see cref="FleetShape.Pool"/>: every host in one pool (64 vCPU, 256 GiB), racks of 20 as failure domains, every
/// cluster's selector matching every host. Same shape and seed, same files.
/// </summary>
public static class FleetGenerator
{
    public const int HostsPerSite = 5;

    public const int HostsPerRack = 20;

    /// <summary>Returns path (relative, '/'-separated) to file text.</summary>
    public static SortedDictionary<string, string> Generate(int hosts, int seed = 1, FleetShape shape = FleetShape.Edge) =>
        shape == FleetShape.Pool ? GeneratePool(hosts, seed) : GenerateEdge(hosts, seed);

    private static SortedDictionary<string, string> GeneratePool(int hosts, int seed)
    {
        var random = new Random(seed);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["fleet.yaml"] = Fleet(),
        };
        for (var i = 1; i <= hosts; i++)
        {
            var name = $"core-{i:D5}";
            var rack = $"rack-{((i - 1) / HostsPerRack) + 1:D4}";
            files[$"hosts/{name}.yaml"] = Host(name, [("liquidmetal.dev/pool", "core"), ("liquidmetal.dev/rack", rack)], rack, controlPlane: true, metal: false);
        }

        for (var c = 1; c <= hosts * 2; c++)
        {
            var name = $"core-c{c:D5}";
            files[$"clusters/{name}.yaml"] = Cluster(name, "liquidmetal.dev/pool", "core", 5 + random.Next(5), metalPool: false, random, "core", $"10.64.{(c + 1) >> 8}.{(c + 1) & 255}");
        }

        // One network for the pool: VIPs in its first /16, node addresses (about a million) after it.
        files["networks/core.yaml"] = Network("core", "liquidmetal.dev/pool", "core", "10.64.0.0/12", "10.64.0.1", "10.65.0.0-10.79.255.254");

        return files;
    }

    private static SortedDictionary<string, string> GenerateEdge(int hosts, int seed)
    {
        var random = new Random(seed);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["fleet.yaml"] = Fleet(),
        };
        var sites = (hosts + HostsPerSite - 1) / HostsPerSite;
        var made = 0;
        for (var site = 1; site <= sites; site++)
        {
            var siteName = $"site-{site:D4}";
            var metalSite = site % 10 == 0;
            var sleds = Math.Min(HostsPerSite, hosts - made);
            for (var sled = 1; sled <= sleds; sled++, made++)
            {
                var metal = metalSite && sled == 5;
                var hostName = $"{siteName}-sled-{sled}";
                (string, string)[] labels = metal
                    ? [("liquidmetal.dev/site", siteName), ("liquidmetal.dev/sled", $"\"{sled}\""), ("liquidmetal.dev/nic", "sriov")]
                    : [("liquidmetal.dev/site", siteName), ("liquidmetal.dev/sled", $"\"{sled}\"")];
                files[$"hosts/{hostName}.yaml"] = Host(hostName, labels, hostName, controlPlane: sled <= 3, metal);
            }

            // Two clusters per host; a site with fewer than three sleds cannot hold a three-node control plane.
            if (sleds < 3)
            {
                continue;
            }

            for (var c = 1; c <= sleds * 2; c++)
            {
                var workers = 5 + random.Next(5); // 5..9, about 7
                var metalPool = metalSite && c == 1 && sleds == HostsPerSite;
                files[$"clusters/{siteName}-c{c:D2}.yaml"] = Cluster($"{siteName}-c{c:D2}", "liquidmetal.dev/site", siteName, workers, metalPool, random, siteName, $"{SiteSubnet(site)}.{1 + c}");
            }

            // A /24 per site: the gateway at .1, the clusters' VIPs from .2, node addresses from .20.
            files[$"networks/{siteName}.yaml"] = Network(siteName, "liquidmetal.dev/site", siteName, $"{SiteSubnet(site)}.0/24", $"{SiteSubnet(site)}.1", $"{SiteSubnet(site)}.20-{SiteSubnet(site)}.254");
        }

        return files;
    }

    private static string SiteSubnet(int site) => $"10.{site >> 8}.{site & 255}";

    private static string Network(string name, string labelKey, string labelValue, string cidr, string gateway, string nodeAddresses) => $"""
        # yaml-language-server: $schema=../../schemas/network.schema.json
        apiVersion: liquidmetal.dev/v1alpha1
        kind: Network
        metadata:
          name: {name}
        spec:
          hostSelector:
            matchLabels:
              {labelKey}: {labelValue}
          bridge: br-nodes
          ipv4:
            cidr: {cidr}
            gateway: {gateway}
            nodeAddresses:
              - {nodeAddresses}
          dns:
            servers: [{gateway}]

        """;

    public static void WriteTo(string directory, int hosts, int seed = 1, FleetShape shape = FleetShape.Edge)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        foreach (var (path, text) in Generate(hosts, seed, shape))
        {
            var full = Path.Combine(directory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
    }

    private static string Fleet() => """
        # yaml-language-server: $schema=../schemas/fleet.schema.json
        apiVersion: liquidmetal.dev/v1alpha1
        kind: Fleet
        metadata:
          name: generated
        spec:
          defaults:
            kubernetesVersion: v1.31.2
            image:
              kernel: /var/lib/liquidmetal/images/k8s-v1.31/vmlinuz
              initrd: /var/lib/liquidmetal/images/k8s-v1.31/initramfs.cpio.gz
              rootVolume: /var/lib/liquidmetal/images/k8s-v1.31/rootfs.ext4
            controlPlane:
              vcpu: 2
              memoryMiB: 4096
            worker:
              vcpu: 2
              memoryMiB: 6144
          placement:
            cpuOvercommit: 2.0
            workerSpread: spread

        """;

    private static string Host(string name, (string Key, string Value)[] labels, string failureDomain, bool controlPlane, bool metal)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"""
            # yaml-language-server: $schema=../../schemas/host.schema.json
            apiVersion: liquidmetal.dev/v1alpha1
            kind: Host
            metadata:
              name: {name}
              labels:

            """);
        foreach (var (key, value) in labels)
        {
            text.Append(CultureInfo.InvariantCulture, $"    {key}: {value}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"""
            spec:
              agent:
                endpoint: https://{name}.edge.example:7443
              failureDomain: {failureDomain}
              capacity:
                cpu: 64
                memoryMiB: 262144
              reserved:
                cpu: 2
                memoryMiB: 8192
              roles: [{(metal ? "metal" : "microvm")}]
              controlPlaneAllowed: {(controlPlane && !metal ? "true" : "false")}

            """);
        return text.ToString();
    }

    private static string Cluster(string name, string labelKey, string labelValue, int workers, bool metalPool, Random random, string network, string vip)
    {
        var size = random.Next(3) switch
        {
            0 => "      vcpu: 2\n      memoryMiB: 4096\n",
            1 => "      vcpu: 4\n      memoryMiB: 8192\n",
            _ => string.Empty, // fleet default
        };
        var metal = metalPool
            ? """
                  - name: upf
                    mode: metal
                    replicas: 1
                    hostSelector:
                      matchLabels:
                        liquidmetal.dev/nic: sriov

              """
            : string.Empty;
        return $"""
            # yaml-language-server: $schema=../../schemas/cluster.schema.json
            apiVersion: liquidmetal.dev/v1alpha1
            kind: Cluster
            metadata:
              name: {name}
            spec:
              network: {network}
              hostSelector:
                matchLabels:
                  {labelKey}: {labelValue}
              controlPlane:
                replicas: 3
                endpoint: https://{name}.api.edge.example:6443
                vip: {vip}
              workerPools:
                - name: workers
                  replicas: {workers}
            {size}{metal}  bootstrap:
                userData: |
                  #cloud-config
                  hostname: {"{{ node.name }}"}
                  write_files:
                    - path: /etc/liquidmetal/node.env
                      content: |
                        CLUSTER={"{{ cluster.name }}"}
                        ROLE={"{{ node.role }}"}
                        HOST={"{{ host.name }}"}
                        ENDPOINT={"{{ controlPlane.endpoint }}"}
                  runcmd:
                    - [/usr/local/bin/liquidmetal-bootstrap, --role, "{"{{ node.role }}"}"]

            """;
    }
}
