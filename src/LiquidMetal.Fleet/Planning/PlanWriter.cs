using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Planning;

/// <summary>A plan as text for a terminal, Markdown for a pull-request comment, or JSON for machines.</summary>
public static class PlanWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Text(Plan plan)
    {
        var text = new StringBuilder();
        text.Append("Plan for fleet ").Append(plan.Fleet).Append(": ").Append(Headline(plan)).Append('\n');
        if (!plan.Notices.IsEmpty)
        {
            text.Append("\nKnown from the status branch:\n");
            foreach (var notice in plan.Notices)
            {
                text.Append("  ").Append(notice.Host).Append(": ").Append(notice.Condition).Append("=False (").Append(notice.Reason).Append("): ").Append(notice.Message).Append('\n');
            }
        }

        if (!plan.Rollouts.IsEmpty)
        {
            text.Append("\nRollout:\n");
            foreach (var rollout in plan.Rollouts)
            {
                text.Append("  ").Append(rollout.Describe()).Append('\n');
            }
        }

        foreach (var host in plan.Hosts)
        {
            if (host.Change == HostChange.Unchanged)
            {
                continue;
            }

            text.Append('\n').Append(host.Host).Append(HostNote(host)).Append("  ").Append(Capacity(plan, host)).Append('\n');
            foreach (var action in host.Actions)
            {
                var sign = action.Kind switch { ActionKind.Create => "+", ActionKind.Delete => "-", _ => "~" };
                text.Append("  ").Append(sign).Append(' ').Append(Verb(action).PadRight(8)).Append(action.Node.PadRight(28)).Append(' ')
                    .Append(What(action)).Append(": ").Append(action.Reason);
                if (action.Held)
                {
                    text.Append(" [held: cluster suspended]");
                }

                text.Append('\n');
                foreach (var change in action.Changes)
                {
                    text.Append("      ").Append(change.Field).Append(": ").Append(change.Before).Append(" -> ").Append(change.After).Append('\n');
                }
            }
        }

        var unchanged = plan.Hosts.Count(h => h.Change == HostChange.Unchanged);
        if (unchanged > 0)
        {
            text.Append('\n').Append(unchanged).Append(" host(s) unchanged.\n");
        }

        return text.ToString();
    }

    public static string Markdown(Plan plan)
    {
        var md = new StringBuilder();
        md.Append("### LiquidMetal plan: ").Append(Headline(plan)).Append("\n\n");
        if (!plan.Notices.IsEmpty)
        {
            md.Append("**Known from the status branch:**\n\n");
            foreach (var notice in plan.Notices)
            {
                md.Append("- `").Append(notice.Host).Append("`: ").Append(notice.Condition).Append("=False (").Append(notice.Reason).Append("): ").Append(Escape(notice.Message)).Append('\n');
            }

            md.Append('\n');
        }

        if (!plan.Rollouts.IsEmpty)
        {
            md.Append("**Rollout:**\n\n");
            foreach (var rollout in plan.Rollouts)
            {
                md.Append("- ").Append(Escape(rollout.Describe())).Append('\n');
            }

            md.Append('\n');
        }

        if (!plan.HasChanges && plan.Held == 0)
        {
            md.Append("No host changes: every microVM and metal claim stays as it is.\n");
            return md.ToString();
        }

        md.Append("| host | create | replace | delete | vCPU | memory (MiB) |\n|---|---:|---:|---:|---|---|\n");
        foreach (var host in plan.Hosts.Where(h => h.Change != HostChange.Unchanged))
        {
            md.Append("| ").Append(host.Host).Append(HostNote(host))
                .Append(" | ").Append(host.Actions.Count(a => a.Kind == ActionKind.Create))
                .Append(" | ").Append(host.Actions.Count(a => a.Kind == ActionKind.Replace))
                .Append(" | ").Append(host.Actions.Count(a => a.Kind == ActionKind.Delete))
                .Append(" | ").Append(host.AllocatedBefore.Cpu).Append(" → ").Append(host.AllocatedAfter.Cpu).Append(" of ").Append(CpuLimit(plan, host))
                .Append(" | ").Append(host.AllocatedBefore.MemoryMiB).Append(" → ").Append(host.AllocatedAfter.MemoryMiB).Append(" of ").Append(host.Allocatable.MemoryMiB)
                .Append(" |\n");
        }

        foreach (var host in plan.Hosts.Where(h => h.Actions.Length > 0))
        {
            md.Append("\n<details><summary><b>").Append(host.Host).Append("</b>: ").Append(host.Actions.Length).Append(" change(s)</summary>\n\n");
            foreach (var action in host.Actions)
            {
                md.Append("- **").Append(Verb(action)).Append("** `").Append(action.Node).Append("` (").Append(What(action)).Append("): ").Append(Escape(action.Reason));
                if (action.Held)
                {
                    md.Append(" _(held: cluster suspended)_");
                }

                md.Append('\n');
                foreach (var change in action.Changes)
                {
                    md.Append("  - `").Append(change.Field).Append("`: `").Append(change.Before).Append("` → `").Append(change.After).Append("`\n");
                }
            }

            md.Append("\n</details>\n");
        }

        return md.ToString();
    }

    public static string JsonText(Plan plan)
    {
        var document = new
        {
            fleet = plan.Fleet,
            hasChanges = plan.HasChanges,
            summary = new
            {
                create = plan.Count(ActionKind.Create),
                replace = plan.Count(ActionKind.Replace),
                delete = plan.Count(ActionKind.Delete),
                held = plan.Held,
            },
            rollouts = plan.Rollouts.Select(r => new
            {
                cluster = r.Cluster,
                versionBefore = r.VersionBefore,
                versionAfter = r.VersionAfter,
                controlPlanes = r.ControlPlanes,
                quorum = r.Quorum,
                controlPlaneOrder = r.ControlPlaneOrder,
                workers = r.Workers,
                workersWait = r.WorkersWait,
                summary = r.Describe(),
            }),
            notices = plan.Notices.Select(n => new { host = n.Host, condition = n.Condition, status = false, reason = n.Reason, message = n.Message }),
            hosts = plan.Hosts.Select(h => new
            {
                host = h.Host,
                change = h.Change,
                allocatedBefore = new { cpu = h.AllocatedBefore.Cpu, memoryMiB = h.AllocatedBefore.MemoryMiB },
                allocatedAfter = new { cpu = h.AllocatedAfter.Cpu, memoryMiB = h.AllocatedAfter.MemoryMiB },
                allocatable = new { cpu = h.Allocatable.Cpu, memoryMiB = h.Allocatable.MemoryMiB },
                actions = h.Actions.Select(a => new
                {
                    action = a.Kind,
                    node = a.Node,
                    cluster = a.Cluster,
                    role = a.Role,
                    vcpu = a.Size.Cpu,
                    memoryMiB = a.Size.MemoryMiB,
                    reason = a.Reason,
                    held = a.Held,
                    changes = a.Changes.Select(c => new { field = c.Field, before = c.Before, after = c.After }),
                }),
            }),
        };
        return JsonSerializer.Serialize(document, Json) + "\n";
    }

    private static string Headline(Plan plan)
    {
        var changed = plan.Hosts.Count(h => h.Change != HostChange.Unchanged);
        var headline = $"{plan.Count(ActionKind.Create)} to create, {plan.Count(ActionKind.Replace)} to replace, {plan.Count(ActionKind.Delete)} to delete on {changed} of {plan.Hosts.Length} host(s)";
        return plan.Held > 0 ? headline + $"; {plan.Held} held (suspended clusters)" : headline;
    }

    private static string HostNote(HostPlan host) => host.Change switch
    {
        HostChange.Added => " (new host)",
        HostChange.Removed => " (host removed)",
        _ => string.Empty,
    };

    private static string Capacity(Plan plan, HostPlan host) =>
        $"vCPU {host.AllocatedBefore.Cpu} -> {host.AllocatedAfter.Cpu} of {CpuLimit(plan, host)}, memory {host.AllocatedBefore.MemoryMiB} -> {host.AllocatedAfter.MemoryMiB} of {host.Allocatable.MemoryMiB} MiB";

    private static string CpuLimit(Plan plan, HostPlan host) =>
        Math.Floor(host.Allocatable.Cpu * plan.CpuOvercommit).ToString(CultureInfo.InvariantCulture);

    private static string Verb(PlanAction action) => action.Kind switch
    {
        ActionKind.Create => action.Role == Rendering.RoleNames.Metal ? "claim" : "create",
        ActionKind.Delete => action.Role == Rendering.RoleNames.Metal ? "release" : "delete",
        _ => "replace",
    };

    private static string What(PlanAction action) =>
        action.Role == Rendering.RoleNames.Metal ? "metal" : $"{action.Role}, {action.Size.Cpu} vCPU, {action.Size.MemoryMiB} MiB";

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
