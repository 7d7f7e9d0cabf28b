using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;
using YamlDotNet.RepresentationModel;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// The status branch's file format: deterministic writing (same status, same bytes, so no needless
/// commits) and reading back (a fresh reconciler picks up where the last one stopped).
/// </summary>
public static class StatusYaml
{
    private const string ApiVersion = "liquidmetal.dev/v1alpha1";

    public static string Write(FleetStatusDocument status)
    {
        var root = Header("FleetStatus", null);
        var body = new YamlMappingNode();
        body.Put("fetchedRevision", status.FetchedRevision);
        body.Put("renderedRevision", status.RenderedRevision);
        body.Put("appliedRevision", status.AppliedRevision);
        body.Put("conditions", Conditions(status.Conditions));
        if (!status.Errors.IsEmpty)
        {
            body.Put("errors", new YamlSequenceNode(status.Errors.Select(e => (YamlNode)Scalar(e))));
        }

        root.Put("status", body);
        return YamlNodes.Save(root);
    }

    public static string Write(ClusterStatusDocument status)
    {
        var root = Header("ClusterStatus", status.Name);
        var body = new YamlMappingNode();
        body.Put("phase", status.Phase);
        body.Put("conditions", Conditions(status.Conditions));
        body.Put("nodes", new YamlSequenceNode(status.Nodes.Select(n =>
        {
            var node = new YamlMappingNode();
            node.Put("name", n.Name);
            node.Put("role", n.Role);
            node.Put("host", n.Host);
            node.Put("state", n.State);
            node.Put("since", n.Since);
            node.Put("reason", n.Reason);
            return (YamlNode)node;
        })));
        root.Put("status", body);
        return YamlNodes.Save(root);
    }

    public static string Write(HostStatusDocument status)
    {
        var root = Header("HostStatus", status.Name);
        var body = new YamlMappingNode();
        body.Put("reachable", status.Reachable);
        body.Put("error", status.Error);
        body.Put("observedGeneration", status.ObservedGeneration);
        body.Put("capacity", Resources(status.Capacity));
        body.Put("allocated", Resources(status.Allocated));
        body.Put("vms", new YamlSequenceNode(status.Vms.Select(v =>
        {
            var vm = new YamlMappingNode();
            vm.Put("id", v.Id);
            vm.Put("cluster", v.Cluster);
            vm.Put("state", v.State);
            vm.Put("since", v.Since);
            vm.Put("reason", v.Reason);
            vm.Put("restarts", v.Restarts);
            return (YamlNode)vm;
        })));
        root.Put("status", body);
        return YamlNodes.Save(root);
    }

    public static FleetStatusDocument ReadFleet(string yaml)
    {
        var status = Body(yaml, "FleetStatus");
        return new FleetStatusDocument(
            status.Text("fetchedRevision"),
            status.Text("renderedRevision"),
            status.Text("appliedRevision"),
            ReadConditions(status),
            [.. status.Items("errors").OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty)]);
    }

    public static ClusterStatusDocument ReadCluster(string yaml)
    {
        var status = Body(yaml, "ClusterStatus");
        var nodes = status.Items("nodes").OfType<YamlMappingNode>().Select(n => new NodeStatus(
            n.RequiredText("name"), n.RequiredText("role"), n.Text("host"), n.RequiredText("state"), n.Time("since"), n.Text("reason")));
        return new ClusterStatusDocument(Name(yaml), status.RequiredText("phase"), ReadConditions(status), [.. nodes]);
    }

    public static HostStatusDocument ReadHost(string yaml)
    {
        var status = Body(yaml, "HostStatus");
        var vms = status.Items("vms").OfType<YamlMappingNode>().Select(v => new VmStatusEntry(
            v.RequiredText("id"), v.RequiredText("cluster"), v.RequiredText("state"), v.Time("since"), v.Text("reason"), (int)v.Number("restarts")));
        return new HostStatusDocument(
            Name(yaml),
            status.Flag("reachable"),
            status.Text("error"),
            ReadResources(status.Mapping("capacity")),
            ReadResources(status.Mapping("allocated")),
            status.Number("observedGeneration"),
            [.. vms]);
    }

    private static YamlMappingNode Header(string kind, string? name)
    {
        var root = new YamlMappingNode();
        root.Put("apiVersion", ApiVersion);
        root.Put("kind", kind);
        if (name is not null)
        {
            var metadata = new YamlMappingNode();
            metadata.Put("name", name);
            root.Put("metadata", metadata);
        }

        return root;
    }

    private static YamlMappingNode Body(string yaml, string kind)
    {
        var root = YamlNodes.Load(yaml);
        var actual = root.Text("kind");
        return actual == kind
            ? root.Mapping("status") ?? new YamlMappingNode()
            : throw new YamlDotNet.Core.YamlException($"expected kind {kind}, found {actual ?? "none"}");
    }

    private static string Name(string yaml) => YamlNodes.Load(yaml).Mapping("metadata")?.Text("name") ?? string.Empty;

    private static YamlSequenceNode Conditions(ImmutableArray<Condition> conditions) => new(conditions.Select(c =>
    {
        var node = new YamlMappingNode();
        node.Put("type", c.Type);
        node.Put("status", c.Status ? "True" : "False");
        node.Put("reason", c.Reason);
        node.Put("message", c.Message);
        node.Put("since", c.Since);
        return (YamlNode)node;
    }));

    private static ImmutableArray<Condition> ReadConditions(YamlMappingNode status) =>
    [
        .. status.Items("conditions").OfType<YamlMappingNode>().Select(c => new Condition(
            c.RequiredText("type"), c.RequiredText("status") == "True", c.RequiredText("reason"), c.Text("message") ?? string.Empty, c.Time("since") ?? default)),
    ];

    private static YamlMappingNode Resources(Resources resources)
    {
        var node = new YamlMappingNode();
        node.Put("cpu", resources.Cpu);
        node.Put("memoryMiB", resources.MemoryMiB);
        return node;
    }

    private static Resources ReadResources(YamlMappingNode? node) =>
        node is null ? default : new Resources((int)node.Number("cpu"), node.Number("memoryMiB"));

    private static YamlScalarNode Scalar(string value) => new(value);
}
