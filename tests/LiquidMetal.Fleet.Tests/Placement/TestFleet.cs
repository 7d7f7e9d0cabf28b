using System.Collections.Immutable;
using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Tests.Placement;

/// <summary>Builds fleets in code for placement tests (the loader has its own tests).</summary>
internal static class TestFleet
{
    public static ImmutableSortedDictionary<string, string> Labels(params (string Key, string Value)[] labels) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, labels.Select(l => KeyValuePair.Create(l.Key, l.Value)));

    public static HostDefinition Host(
        string name,
        string? domain = null,
        int cpu = 16,
        long memory = 32768,
        bool controlPlane = true,
        HostRoles roles = HostRoles.Microvm,
        Resources reserved = default,
        params (string, string)[] labels) => new()
        {
            Name = name,
            File = $"hosts/{name}.yaml",
            AgentEndpoint = $"https://{name}.example:7443",
            FailureDomain = domain ?? name,
            Capacity = new Resources(cpu, memory),
            Reserved = reserved,
            Roles = roles,
            ControlPlaneAllowed = controlPlane,
            Labels = Labels(labels),
        };

    public static WorkerPoolSpec Pool(string name, int replicas, int vcpu = 2, long memory = 4096, PoolMode mode = PoolMode.Microvm, params (string, string)[] selector) => new()
    {
        Name = name,
        Replicas = replicas,
        Vcpu = vcpu,
        MemoryMiB = memory,
        Mode = mode,
        HostSelector = Labels(selector),
    };

    public static ClusterDefinition Cluster(string name, int controlPlanes = 3, int cpVcpu = 2, long cpMemory = 4096, ImmutableSortedDictionary<string, string>? selector = null, params WorkerPoolSpec[] pools) => new()
    {
        Name = name,
        File = $"clusters/{name}.yaml",
        KubernetesVersion = "v1.31.2",
        ControlPlane = new ControlPlaneSpec(controlPlanes, cpVcpu, cpMemory, $"https://{name}.example:6443"),
        WorkerPools = [.. pools],
        Image = new ImageRef("/images/vmlinuz", "/images/initrd", null),
        UserDataTemplate = "hostname: {{ node.name }}\nrole: {{ node.role }}\n",
        HostSelector = selector ?? ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal),
    };

    public static FleetDefinition Make(IEnumerable<HostDefinition> hosts, IEnumerable<ClusterDefinition> clusters, double overcommit = 1.0, WorkerSpreadPolicy spread = WorkerSpreadPolicy.Spread) => new(
        new FleetSettings { Name = "test", CpuOvercommit = overcommit, WorkerSpread = spread },
        [.. hosts.OrderBy(h => h.Name, StringComparer.Ordinal)],
        [.. clusters.OrderBy(c => c.Name, StringComparer.Ordinal)],
        SourceMap.Empty);
}
