using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

/// <summary>
/// coordination.k8s.io/v1 Leases for <see cref="FakeKubeApiServer"/>: GET, POST and PUT of one Lease, with the API
/// server's optimistic concurrency (a PUT must carry the stored <c>resourceVersion</c>, else 409 Conflict), which is
/// what keeps two electors from both winning one Lease.
/// </summary>
internal sealed partial class FakeLeases
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _leases = [];
    private long _version;

    /// <summary>Every Lease write that succeeded: who wrote it, when (the real clock), and the holder it names.</summary>
    public ConcurrentQueue<(string User, DateTimeOffset At, string? Holder)> Writes { get; } = new();

    /// <summary>The Lease's spec as stored, or null.</summary>
    public JsonObject? Spec(string @namespace, string name)
    {
        lock (_lock)
        {
            return _leases.TryGetValue((@namespace, name), out var lease) ? lease["spec"]?.DeepClone().AsObject() : null;
        }
    }

    /// <summary>Answers a Lease request; false when the path is not one.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context, string user)
    {
        var match = LeasePath().Match(context.Request.Path.Value ?? "");
        if (!match.Success)
        {
            return false;
        }

        var ns = match.Groups["ns"].Value;
        var name = match.Groups["name"].Success ? match.Groups["name"].Value : null;
        var body = context.Request.Method is "POST" or "PUT" ? (await JsonNode.ParseAsync(context.Request.Body))!.AsObject() : null;
        var (code, answer) = Answer(context.Request.Method, ns, name, body, user);
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
        return true;
    }

    private (int Code, JsonObject Body) Answer(string method, string ns, string? name, JsonObject? body, string user)
    {
        lock (_lock)
        {
            switch (method, name)
            {
                case ("GET", not null):
                    return _leases.TryGetValue((ns, name), out var found) ? (200, found.DeepClone().AsObject()) : Status(404, "NotFound", $"leases.coordination.k8s.io \"{name}\" not found");
                case ("POST", null):
                    var created = (string?)body!["metadata"]?["name"] ?? "";
                    if (_leases.ContainsKey((ns, created)))
                    {
                        return Status(409, "AlreadyExists", $"leases.coordination.k8s.io \"{created}\" already exists");
                    }

                    return (201, Store(ns, created, body, user));
                case ("PUT", not null):
                    if (!_leases.TryGetValue((ns, name), out var stored))
                    {
                        return Status(404, "NotFound", $"leases.coordination.k8s.io \"{name}\" not found");
                    }

                    if ((string?)body!["metadata"]?["resourceVersion"] != (string?)stored["metadata"]!["resourceVersion"])
                    {
                        return Status(409, "Conflict", $"Operation cannot be fulfilled on leases.coordination.k8s.io \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
                    }

                    return (200, Store(ns, name, body, user));
                default:
                    return Status(405, "MethodNotAllowed", $"{method} is not supported here");
            }
        }
    }

    private JsonObject Store(string ns, string name, JsonObject lease, string user)
    {
        var metadata = lease["metadata"] as JsonObject ?? [];
        metadata["name"] = name;
        metadata["namespace"] = ns;
        metadata["resourceVersion"] = (++_version).ToString(CultureInfo.InvariantCulture);
        lease["metadata"] = metadata;
        lease["kind"] = "Lease";
        lease["apiVersion"] = "coordination.k8s.io/v1";
        _leases[(ns, name)] = lease;
        Writes.Enqueue((user, DateTimeOffset.UtcNow, (string?)lease["spec"]?["holderIdentity"]));
        return lease.DeepClone().AsObject();
    }

    private static (int, JsonObject) Status(int code, string reason, string message) => (code, new JsonObject
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    });

    [GeneratedRegex("^/apis/coordination.k8s.io/v1/namespaces/(?<ns>[a-z0-9-]+)/leases(/(?<name>[a-z0-9.-]+))?$")]
    private static partial Regex LeasePath();
}
