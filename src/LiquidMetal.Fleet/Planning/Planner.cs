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
                        ? $"moved from {from}"
                        : basePools.Contains(vm.Cluster + "/" + vm.Pool) ? $"pool {vm.Pool} scaled up"
                        : baseClusters is not null && !baseClusters.Contains(vm.Cluster) ? "new cluster" : $"new pool {vm.Pool}";
                    actions.Add(new PlanAction(ActionKind.Create, vm.Id, vm.Cluster, vm.Role, vm.Size, reason, [], suspended.Contains(vm.Cluster)));
                }
                else if (was.Hash != vm.Hash)
                {
                    var changes = Changes(was, vm);
                    actions.Add(new PlanAction(ActionKind.Replace, vm.Id, vm.Cluster, vm.Role, vm.Size, "spec changed: " + string.Join(", ", changes.Select(c => c.Field)), changes, suspended.Contains(vm.Cluster)));
                }
            }

            foreach (var vm in oldVms.Values.Where(v => !newVms.ContainsKey(v.Id)))
            {
                var reason = hostOfAfter.TryGetValue(vm.Id, out var to)
                    ? $"moved to {to}"
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

        return new Plan(head.Settings.Name, head.Settings.CpuOvercommit, [.. plans]);
    }

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
        Compare("interfaces", string.Join(",", before.Interfaces.Select(i => $"{i.Name}={i.Mac}")), string.Join(",", after.Interfaces.Select(i => $"{i.Name}={i.Mac}")));
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

    private static string Summary(string text)
    {
        var lines = text.Length == 0 ? 0 : text.TrimEnd('\n').Split('\n').Length;
        return $"{lines} line(s), {ContentHash.Of(("userData", text))[7..19]}";
    }

    private static Dictionary<string, string> Locate(IReadOnlyList<RenderedHost> hosts)
    {
        var where = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            foreach (var vm in host.Microvms)
            {
                where[vm.Id] = host.Host;
            }
        }

        return where;
    }
}
