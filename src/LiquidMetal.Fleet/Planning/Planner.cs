using System.Collections.Immutable;
using System.Globalization;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Rendering;

namespace LiquidMetal.Fleet.Planning;

/// <summary>Diffs two renders of a fleet into a <see cref="Plan"/>. Pure and deterministic.</summary>
public static class Planner
{
    public static Plan Diff(IReadOnlyList<RenderedHost> baseHosts, IReadOnlyList<RenderedHost> headHosts, FleetDefinition head, IReadOnlySet<string>? baseClusters = null)
    {
        var before = baseHosts.ToDictionary(h => h.Host, StringComparer.Ordinal);
        var after = headHosts.ToDictionary(h => h.Host, StringComparer.Ordinal);
        var hostOfBefore = Locate(baseHosts);
        var hostOfAfter = Locate(headHosts);
        var suspended = head.Clusters.Where(c => c.Suspend).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var headClusters = head.Clusters.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var basePools = baseHosts.SelectMany(h => h.Microvms).Select(v => v.Cluster + "/" + v.Pool).ToHashSet(StringComparer.Ordinal);

        var plans = new List<HostPlan>();
        foreach (var name in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var old = before.GetValueOrDefault(name);
            var @new = after.GetValueOrDefault(name);
            var actions = new List<PlanAction>();
            var oldVms = old?.Microvms.ToDictionary(v => v.Id, StringComparer.Ordinal) ?? [];
            var newVms = @new?.Microvms.ToDictionary(v => v.Id, StringComparer.Ordinal) ?? [];

            foreach (var vm in newVms.Values)
            {
                if (!oldVms.TryGetValue(vm.Id, out var was))
                {
                    var reason = hostOfBefore.TryGetValue(vm.Id, out var from)
                        ? $"moved from {from.Host}{Renumbered(from.Vm, vm, " and renumbered")}"
                        : basePools.Contains(vm.Cluster + "/" + vm.Pool) ? $"pool {vm.Pool} scaled up"
                        : baseClusters is not null && !baseClusters.Contains(vm.Cluster) ? "new cluster" : $"new pool {vm.Pool}";
                    actions.Add(new PlanAction(ActionKind.Create, vm.Id, vm.Cluster, vm.Role, vm.Size, reason, [], suspended.Contains(vm.Cluster)));
                }
                else if (was.Hash != vm.Hash)
                {
                    var changes = Changes(was, vm);
                    var reason = Renumbered(was, vm, "renumbers the running node") is { Length: > 0 } renumbered ? renumbered.TrimStart() + "; " : string.Empty;
                    actions.Add(new PlanAction(ActionKind.Replace, vm.Id, vm.Cluster, vm.Role, vm.Size, reason + "spec changed: " + string.Join(", ", changes.Select(c => c.Field)), changes, suspended.Contains(vm.Cluster)));
                }
            }

            foreach (var vm in oldVms.Values.Where(v => !newVms.ContainsKey(v.Id)))
            {
                var reason = hostOfAfter.TryGetValue(vm.Id, out var to)
                    ? $"moved to {to.Host}"
                    : headClusters.Contains(vm.Cluster) ? $"pool {vm.Pool} scaled down" : "cluster removed";
                actions.Add(new PlanAction(ActionKind.Delete, vm.Id, vm.Cluster, vm.Role, vm.Size, reason, [], suspended.Contains(vm.Cluster)));
            }

            DiffMetal(old?.Metal, @new?.Metal, actions, suspended, headClusters);

            var change = (old, @new) switch
            {
                (null, _) => HostChange.Added,
                (_, null) => HostChange.Removed,
                _ => actions.Count > 0 ? HostChange.Changed : HostChange.Unchanged,
            };
            plans.Add(new HostPlan(
                name,
                change,
                [.. actions.OrderBy(a => a.Kind).ThenBy(a => a.Node, StringComparer.Ordinal)],
                old?.Allocated ?? Resources.Zero,
                @new?.Allocated ?? Resources.Zero,
                (@new ?? old)!.Allocatable));
        }

        return new Plan(head.Settings.Name, head.Settings.CpuOvercommit, [.. plans]) { Rollouts = Rollouts(plans, head, suspended) };
    }

    /// <summary>Each cluster whose running control planes are replaced, with the order the reconciler takes.</summary>
    private static ImmutableArray<ClusterRollout> Rollouts(List<HostPlan> plans, FleetDefinition head, HashSet<string> suspended)
    {
        var replaced = plans.SelectMany(p => p.Actions).Where(a => a.Kind == ActionKind.Replace && !a.Held).ToList();
        var rollouts = ImmutableArray.CreateBuilder<ClusterRollout>();
        foreach (var cluster in head.Clusters.Where(c => !suspended.Contains(c.Name)))
        {
            var controlPlanes = replaced.Where(a => a.Cluster == cluster.Name && a.Role == RoleNames.ControlPlane).Select(a => a.Node).Order(StringComparer.Ordinal).ToImmutableArray();
            if (controlPlanes.IsEmpty)
            {
                continue;
            }

            var workers = replaced.Where(a => a.Cluster == cluster.Name && a.Role != RoleNames.ControlPlane).Select(a => a.Node).Order(StringComparer.Ordinal).ToImmutableArray();
            var versionBefore = replaced.Where(a => a.Cluster == cluster.Name).SelectMany(a => a.Changes)
                .FirstOrDefault(c => c.Field == "metadata." + VersionKey)?.Before ?? string.Empty;
            rollouts.Add(new ClusterRollout(cluster.Name, versionBefore, cluster.KubernetesVersion, cluster.ControlPlane.Replicas, controlPlanes, workers, cluster.Bootstrap == BootstrapMode.Kubeadm));
        }

        return rollouts.ToImmutable();
    }

    private const string VersionKey = "liquidmetal.dev/kubernetes-version";

    private static void DiffMetal(RenderedMetal? old, RenderedMetal? @new, List<PlanAction> actions, HashSet<string> suspended, HashSet<string> headClusters)
    {
        if (old?.Node == @new?.Node && old?.Hash == @new?.Hash)
        {
            return;
        }

        if (old is not null && @new is not null && old.Node == @new.Node)
        {
            var changes = ImmutableArray.Create(new FieldChange("userData", Summary(old.UserData), Summary(@new.UserData)));
            actions.Add(new PlanAction(ActionKind.Replace, @new.Node, @new.Cluster, RoleNames.Metal, Resources.Zero, "reprovision: userData changed", changes, suspended.Contains(@new.Cluster)));
            return;
        }

        if (old is not null)
        {
            var reason = headClusters.Contains(old.Cluster) ? "released" : "cluster removed";
            actions.Add(new PlanAction(ActionKind.Delete, old.Node, old.Cluster, RoleNames.Metal, Resources.Zero, reason, [], suspended.Contains(old.Cluster)));
        }

        if (@new is not null)
        {
            actions.Add(new PlanAction(ActionKind.Create, @new.Node, @new.Cluster, RoleNames.Metal, Resources.Zero, "claims the whole host", [], suspended.Contains(@new.Cluster)));
        }
    }

    /// <summary>The fields that differ, in a fixed order.</summary>
    public static ImmutableArray<FieldChange> Changes(RenderedVm before, RenderedVm after)
    {
        var changes = ImmutableArray.CreateBuilder<FieldChange>();
        void Compare(string field, string? a, string? b)
        {
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                changes.Add(new FieldChange(field, a ?? "(none)", b ?? "(none)"));
            }
        }

        Compare("role", before.Role, after.Role);
        Compare("vcpu", before.Vcpu.ToString(CultureInfo.InvariantCulture), after.Vcpu.ToString(CultureInfo.InvariantCulture));
        Compare("memoryMiB", before.MemoryMiB.ToString(CultureInfo.InvariantCulture), after.MemoryMiB.ToString(CultureInfo.InvariantCulture));
        Compare("kernel", before.Kernel, after.Kernel);
        Compare("initrd", before.Initrd, after.Initrd);
        Compare("rootVolume", before.RootVolume, after.RootVolume);
        Compare("interfaces", string.Join(",", before.Interfaces.Select(i => i.Name)), string.Join(",", after.Interfaces.Select(i => i.Name)));
        Compare("addresses", Nics(before, i => string.Join(" ", i.Addresses)), Nics(after, i => string.Join(" ", i.Addresses)));
        Compare("mac", Nics(before, i => i.Mac), Nics(after, i => i.Mac));
        Compare("network", Nics(before, i => i.Network), Nics(after, i => i.Network));
        Compare("bridge", Nics(before, i => i.Vlan == 0 ? i.Bridge : $"{i.Bridge} vlan {i.Vlan}"), Nics(after, i => i.Vlan == 0 ? i.Bridge : $"{i.Bridge} vlan {i.Vlan}"));
        Compare("gateways", Nics(before, i => $"{i.Gateway4} {i.Gateway6}".Trim()), Nics(after, i => $"{i.Gateway4} {i.Gateway6}".Trim()));
        Compare("dns", Nics(before, i => $"{string.Join(" ", i.Nameservers)} search {string.Join(" ", i.SearchDomains)}"), Nics(after, i => $"{string.Join(" ", i.Nameservers)} search {string.Join(" ", i.SearchDomains)}"));
        foreach (var key in before.Metadata.Keys.Union(after.Metadata.Keys).Order(StringComparer.Ordinal))
        {
            Compare("metadata." + key, before.Metadata.GetValueOrDefault(key), after.Metadata.GetValueOrDefault(key));
        }

        if (before.UserData != after.UserData)
        {
            changes.Add(new FieldChange("userData", Summary(before.UserData), Summary(after.UserData)));
        }

        if (changes.Count == 0)
        {
            changes.Add(new FieldChange("hash", before.Hash, after.Hash));
        }

        return changes.ToImmutable();
    }

    /// <summary>One interface field of every NIC, as "eth0=value" joined with commas.</summary>
    private static string Nics(RenderedVm vm, Func<RenderedInterface, string> field) => string.Join(",", vm.Interfaces.Select(i => $"{i.Name}={field(i)}"));

    /// <summary>" {what} A → B" when a node that had an address gets another; empty otherwise (a new address is not a renumbering).</summary>
    private static string Renumbered(RenderedVm before, RenderedVm after, string what)
    {
        var was = string.Join(" ", before.Interfaces.SelectMany(i => i.Addresses));
        var now = string.Join(" ", after.Interfaces.SelectMany(i => i.Addresses));
        return was.Length > 0 && was != now ? $" {what} {was} → {(now.Length > 0 ? now : "no address")}" : string.Empty;
    }

    private static string Summary(string text)
    {
        var lines = text.Length == 0 ? 0 : text.TrimEnd('\n').Split('\n').Length;
        return $"{lines} line(s), {ContentHash.Of(("userData", text))[7..19]}";
    }

    private static Dictionary<string, (string Host, RenderedVm Vm)> Locate(IReadOnlyList<RenderedHost> hosts)
    {
        var where = new Dictionary<string, (string Host, RenderedVm Vm)>(StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            foreach (var vm in host.Microvms)
            {
                where[vm.Id] = (host.Host, vm);
            }
        }

        return where;
    }
}
