using System.Collections.Immutable;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Yaml;
using Newtonsoft.Json.Linq;

namespace LiquidMetal.Reconciler.Status;

/// <summary>
/// The status branch's file format: deterministic writing (same status, same bytes, so no needless
/// commits) and reading back (a fresh reconciler picks up where the last one stopped).
/// </summary>
public static class StatusYaml
{
    /// <summary>Status documents are small and flat; a bigger one is refused before it is parsed.</summary>
    public const int MaxCharacters = 1024 * 1024;

    private const string ApiVersion = "liquidmetal.dev/v1alpha1";

    // Written in a fixed field order: the same status gives the same bytes, and 800 documents a pass take
    // milliseconds (YamlDotNet's representation model took 0.3 s). Read back with the fleet files' reader.
    public static string Write(FleetStatusDocument status)
    {
        var y = Header("FleetStatus", null, 512)
            .Scalar(2, "fetchedRevision", status.FetchedRevision)
            .Scalar(2, "renderedRevision", status.RenderedRevision)
            .Scalar(2, "appliedRevision", status.AppliedRevision);
        Conditions(y, status.Conditions);
        if (!status.Errors.IsEmpty)
        {
            y.Open(2, "errors");
            foreach (var error in status.Errors)
            {
                y.TextItem(2, error);
            }
        }

        return y.ToString();
    }

    public static string Write(ClusterStatusDocument status)
    {
        var y = Header("ClusterStatus", status.Name, 512 + (status.Nodes.Length * 160)).Scalar(2, "phase", status.Phase);
        Conditions(y, status.Conditions);
        y.Sequence(2, "nodes", 2, status.Nodes, static (y, n) =>
        {
            y.Scalar(4, "name", n.Name)
                .Scalar(4, "role", n.Role)
                .Scalar(4, "host", n.Host);
            if (!n.Addresses.IsDefaultOrEmpty)
            {
                y.Open(4, "addresses");
                foreach (var address in n.Addresses)
                {
                    y.TextItem(6, address);
                }
            }

            y.Scalar(4, "state", n.State)
                .Time(4, "since", n.Since)
                .Text(4, "reason", n.Reason)
                .Text(4, "kubernetes", n.Kubernetes);
        });
        return y.ToString();
    }

    public static string Write(HostStatusDocument status)
    {
        var y = Header("HostStatus", status.Name, 512 + (status.Vms.Length * 160))
            .Flag(2, "reachable", status.Reachable)
            .Text(2, "error", status.Error)
            .Number(2, "observedGeneration", status.ObservedGeneration);
        if (!status.Conditions.IsDefaultOrEmpty)
        {
            Conditions(y, status.Conditions); // none until its agent answers: the file of a host never reached stays as it was
        }

        Size(y, "capacity", status.Capacity);
        Size(y, "allocated", status.Allocated);
        y.Sequence(2, "vms", 2, status.Vms, static (y, v) => y
            .Scalar(4, "id", v.Id)
            .Scalar(4, "cluster", v.Cluster)
            .Scalar(4, "state", v.State)
            .Time(4, "since", v.Since)
            .Text(4, "reason", v.Reason)
            .Number(4, "restarts", v.Restarts));
        return y.ToString();
    }

    public static FleetStatusDocument ReadFleet(string yaml)
    {
        var (_, status) = Body(yaml, "FleetStatus");
        return new FleetStatusDocument(
            status.Text("fetchedRevision"),
            status.Text("renderedRevision"),
            status.Text("appliedRevision"),
            ReadConditions(status),
            [.. status.Items("errors").OfType<JValue>().Select(s => YamlFields.AsText(s) ?? string.Empty)]);
    }

    public static ClusterStatusDocument ReadCluster(string yaml)
    {
        var (root, status) = Body(yaml, "ClusterStatus");
        var nodes = status.Items("nodes").OfType<JObject>().Select(n => new NodeStatus(
            n.RequiredText("name"), n.RequiredText("role"), n.Text("host"), n.RequiredText("state"), n.Time("since"), n.Text("reason"))
        {
            Addresses = [.. n.Items("addresses").OfType<JValue>().Select(a => YamlFields.AsText(a) ?? string.Empty)],
            Kubernetes = n.Text("kubernetes"),
        });
        return new ClusterStatusDocument(Name(root), status.RequiredText("phase"), ReadConditions(status), [.. nodes]);
    }

    public static HostStatusDocument ReadHost(string yaml)
    {
        var (root, status) = Body(yaml, "HostStatus");
        var vms = status.Items("vms").OfType<JObject>().Select(v => new VmStatusEntry(
            v.RequiredText("id"), v.RequiredText("cluster"), v.RequiredText("state"), v.Time("since"), v.Text("reason"), (int)v.Number("restarts")));
        return new HostStatusDocument(
            Name(root),
            status.Flag("reachable"),
            status.Text("error"),
            ReadResources(status.Mapping("capacity")),
            ReadResources(status.Mapping("allocated")),
            status.Number("observedGeneration"),
            [.. vms])
        {
            Conditions = ReadConditions(status),
        };
    }

    private static YamlWriter Header(string kind, string? name, int capacity)
    {
        var y = new YamlWriter(capacity).Scalar(0, "apiVersion", ApiVersion).Scalar(0, "kind", kind);
        if (name is not null)
        {
            y.Open(0, "metadata").Scalar(2, "name", name);
        }

        return y.Open(0, "status");
    }

    /// <summary>The document (parsed once) and its status mapping; the kind must be the one asked for.</summary>
    private static (JObject Root, JObject Status) Body(string yaml, string kind)
    {
        if (yaml.Length > MaxCharacters)
        {
            throw new FormatException($"the document has {yaml.Length:N0} characters; status documents have at most {MaxCharacters:N0}");
        }

        var root = YamlTree.ReadMapping(yaml);
        var actual = root.Text("kind");
        return actual == kind
            ? (root, root.Mapping("status") ?? [])
            : throw new FormatException($"expected kind {kind}, found {actual ?? "none"}");
    }

    private static string Name(JObject root) => root.Mapping("metadata")?.Text("name") ?? string.Empty;

    // A condition's status is the string "True" or "False", quoted as Kubernetes writes it: plain True is a boolean in YAML 1.2.
    private static void Conditions(YamlWriter y, ImmutableArray<Condition> conditions) => y.Sequence(2, "conditions", 2, conditions, static (y, c) => y
        .Scalar(4, "type", c.Type)
        .Scalar(4, "status", c.Status ? "True" : "False")
        .Scalar(4, "reason", c.Reason)
        .Text(4, "message", c.Message)
        .Time(4, "since", c.Since));

    private static ImmutableArray<Condition> ReadConditions(JObject status) =>
    [
        .. status.Items("conditions").OfType<JObject>().Select(c => new Condition(
            c.RequiredText("type"), c.Flag("status"), c.RequiredText("reason"), c.Text("message") ?? string.Empty, c.Time("since") ?? default)),
    ];

    private static void Size(YamlWriter y, string key, Resources size) =>
        y.Open(2, key).Number(4, "cpu", size.Cpu).Number(4, "memoryMiB", size.MemoryMiB);

    private static Resources ReadResources(JObject? node) =>
        node is null ? default : new Resources((int)node.Number("cpu"), node.Number("memoryMiB"));
}
