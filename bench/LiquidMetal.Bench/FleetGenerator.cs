using System.Globalization;
using System.Text;

namespace LiquidMetal.Bench;

/// <summary>
/// Generates fleet repos shaped like real edge fleets: sites of five sleds (three that may run control
/// planes, two workers-only; every tenth site gives its fifth sled to bare metal), about two clusters per
/// host, each pinned to its site, about ten microVMs per cluster (so about 20 per host). Same seed, same files.
/// </summary>
public static class FleetGenerator
{
    public const int HostsPerSite = 5;

    /// <summary>Returns path (relative, '/'-separated) to file text.</summary>
    public static SortedDictionary<string, string> Generate(int hosts, int seed = 1)
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
                files[$"hosts/{siteName}-sled-{sled}.yaml"] = Host(siteName, sled, controlPlane: sled <= 3, metal);
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
                files[$"clusters/{siteName}-c{c:D2}.yaml"] = Cluster($"{siteName}-c{c:D2}", siteName, workers, metalPool, random);
            }
        }

        return files;
    }

    public static void WriteTo(string directory, int hosts, int seed = 1)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        foreach (var (path, text) in Generate(hosts, seed))
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

    private static string Host(string site, int sled, bool controlPlane, bool metal)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"""
            # yaml-language-server: $schema=../../schemas/host.schema.json
            apiVersion: liquidmetal.dev/v1alpha1
            kind: Host
            metadata:
              name: {site}-sled-{sled}
              labels:
                liquidmetal.dev/site: {site}
                liquidmetal.dev/sled: "{sled}"
            {(metal ? "    liquidmetal.dev/nic: sriov\n" : string.Empty)}spec:
              agent:
                endpoint: https://{site}-sled-{sled}.edge.example:7443
              failureDomain: {site}-sled-{sled}
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

    private static string Cluster(string name, string site, int workers, bool metalPool, Random random)
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
              hostSelector:
                matchLabels:
                  liquidmetal.dev/site: {site}
              controlPlane:
                replicas: 3
                endpoint: https://{name}.api.edge.example:6443
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
