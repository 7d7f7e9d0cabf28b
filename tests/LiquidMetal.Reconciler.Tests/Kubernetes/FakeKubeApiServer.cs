using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using LiquidMetal.Reconciler.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

/// <summary>
/// A stand-in for kube-apiserver (none can be installed here): real Kestrel, real TLS, and just the endpoints the
/// reconciler and kubectl use, with Kubernetes' JSON written by hand. Like the real one it asks for a client
/// certificate but does not require one, then answers 401 to anything not from the cluster CA.
/// </summary>
internal sealed class FakeKubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly X509Certificate2 _clusterCa;

    private FakeKubeApiServer(WebApplication app, X509Certificate2 clusterCa)
    {
        _app = app;
        _clusterCa = clusterCa;
    }

    /// <summary><c>https://127.0.0.1:port</c>.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Node objects by name, as <c>GET /api/v1/nodes</c> lists them.</summary>
    public ConcurrentDictionary<string, JsonObject> Nodes { get; } = new();

    /// <summary>Secrets of kube-system by name.</summary>
    public ConcurrentDictionary<string, JsonObject> Secrets { get; } = new();

    /// <summary>kube-system ConfigMaps by name (kubeadm-config: what `kubeadm init` uploads), as JSON objects.</summary>
    public ConcurrentDictionary<string, JsonObject> ConfigMaps { get; } = new();

    /// <summary>kube-system/kubeadm-config as kubeadm init leaves it, holding a ClusterConfiguration of <paramref name="version"/>.</summary>
    public static JsonObject KubeadmConfig(string version) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = "kubeadm-config", ["namespace"] = "kube-system", ["resourceVersion"] = "7" },
        ["data"] = new JsonObject
        {
            ["ClusterConfiguration"] = $"apiServer: {{}}\napiVersion: kubeadm.k8s.io/v1beta4\nclusterName: cluster-b\ncontrolPlaneEndpoint: 10.20.1.11:6443\nkind: ClusterConfiguration\nkubernetesVersion: {version}\nnetworking:\n  podSubnet: 10.244.0.0/16\n",
        },
    };

    /// <summary>coordination.k8s.io Leases, for leader election.</summary>
    public FakeLeases Leases { get; } = new();

    /// <summary>Users whose connections are dropped unanswered, as if the network between them and the server were cut.</summary>
    public ConcurrentDictionary<string, bool> Unreachable { get; } = new(StringComparer.Ordinal);

    /// <summary>Every request: method, path and the authenticated user (null when refused).</summary>
    public ConcurrentQueue<(string Method, string Path, string? User)> Requests { get; } = new();

    /// <summary>
    /// Serves on 127.0.0.1, port 0, with a serving certificate for <paramref name="servingName"/> (an IP or DNS
    /// name) signed by <paramref name="servingCa"/> (default: the cluster CA); clients are checked against the
    /// cluster CA.
    /// </summary>
    public static async Task<FakeKubeApiServer> StartAsync(
        CertificateAuthority clusterCa, string servingName = "127.0.0.1", CertificateAuthority? servingCa = null)
    {
        var serving = ServingCertificate(servingCa ?? clusterCa, servingName);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serving,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,

            // Accept any certificate in the handshake and judge it per request, as kube-apiserver's x509 authenticator does.
            ClientCertificateValidation = (_, _, _) => true,
        })));
        var app = builder.Build();
        var server = new FakeKubeApiServer(app, clusterCa.LoadCertificate());
        app.Run(server.Handle);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Endpoint = address.TrimEnd('/');
        return server;
    }

    /// <summary>A Node object; <paramref name="ready"/> null leaves out the Ready condition.</summary>
    public static JsonObject Node(string name, string? ready, string? reason = null, string? message = null, string kubelet = "v1.32.3")
    {
        var conditions = new JsonArray
        {
            new JsonObject { ["type"] = "MemoryPressure", ["status"] = "False", ["reason"] = "KubeletHasSufficientMemory" },
        };
        if (ready is not null)
        {
            conditions.Add(new JsonObject
            {
                ["type"] = "Ready",
                ["status"] = ready,
                ["reason"] = reason,
                ["message"] = message,
                ["lastHeartbeatTime"] = "2026-03-01T12:00:00Z",
                ["lastTransitionTime"] = "2026-03-01T11:58:30Z",
            });
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = Guid.NewGuid().ToString(), ["resourceVersion"] = "1" },
            ["spec"] = new JsonObject { ["podCIDR"] = "10.244.0.0/24" },
            ["status"] = new JsonObject
            {
                ["conditions"] = conditions,
                ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = kubelet, ["containerRuntimeVersion"] = "containerd://1.7.24" },
            },
        };
    }

    private async Task Handle(HttpContext context)
    {
        var request = context.Request;
        var user = Authenticate(context.Connection.ClientCertificate);
        Requests.Enqueue((request.Method, request.Path.Value ?? "", user));
        if (user is null)
        {
            await Status(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        // No RBAC here: system:masters may do anything, anyone else nothing (as on a cluster with no bindings yet).
        if (!InGroup(context.Connection.ClientCertificate!, "system:masters"))
        {
            await Status(context, 403, "Forbidden", $"forbidden: User \"{user}\" cannot {request.Method.ToLowerInvariant()} path \"{request.Path}\"");
            return;
        }

        if (Unreachable.ContainsKey(user))
        {
            context.Abort();
            return;
        }

        if (await Leases.TryHandleAsync(context, user))
        {
            return;
        }

        const string secrets = "/api/v1/namespaces/kube-system/secrets";
        var path = request.Path.Value ?? "";
        switch (request.Method, path)
        {
            case ("GET", "/version"):
                await Json(context, 200, new JsonObject { ["major"] = "1", ["minor"] = "32", ["gitVersion"] = "v1.32.3" });
                break;
            case ("GET", "/api"):
                await Json(context, 200, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1") });
                break;
            case ("GET", "/apis"):
                await Json(context, 200, new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = new JsonArray() });
                break;
            case ("GET", "/api/v1"):
                await Json(context, 200, new JsonObject
                {
                    ["kind"] = "APIResourceList",
                    ["groupVersion"] = "v1",
                    ["resources"] = new JsonArray(
                        Resource("nodes", "Node", namespaced: false, "no"),
                        Resource("secrets", "Secret", namespaced: true)),
                });
                break;
            case ("GET", "/api/v1/nodes"):
                await Json(context, 200, new JsonObject
                {
                    ["kind"] = "NodeList",
                    ["apiVersion"] = "v1",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = "1" },
                    ["items"] = new JsonArray(Nodes.Values.OrderBy(node => (string?)node["metadata"]!["name"], StringComparer.Ordinal)
                        .Select(node => (JsonNode)Kinded(node.DeepClone().AsObject(), "Node")).ToArray()),
                });
                break;
            case ("GET" or "PUT", _) when path.StartsWith(ConfigMapsPath + "/", StringComparison.Ordinal):
                var map = path[(ConfigMapsPath.Length + 1)..];
                if (!ConfigMaps.ContainsKey(map))
                {
                    await Status(context, 404, "NotFound", $"configmaps \"{map}\" not found");
                }
                else if (request.Method == "GET")
                {
                    await Json(context, 200, ConfigMaps[map].DeepClone());
                }
                else
                {
                    var replaced = (await JsonNode.ParseAsync(request.Body))!.AsObject();
                    ConfigMaps[map] = replaced;
                    await Json(context, 200, replaced.DeepClone());
                }

                break;
            case ("GET", _) when path.StartsWith(secrets + "/", StringComparison.Ordinal):
                var name = path[(secrets.Length + 1)..];
                if (Secrets.TryGetValue(name, out var found))
                {
                    await Json(context, 200, found.DeepClone());
                }
                else
                {
                    await Status(context, 404, "NotFound", $"secrets \"{name}\" not found");
                }

                break;
            case ("POST", secrets):
                var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
                var created = (string?)body["metadata"]?["name"] ?? "";
                body["metadata"]!["namespace"] = "kube-system";
                if (!Secrets.TryAdd(created, body))
                {
                    await Status(context, 409, "AlreadyExists", $"secrets \"{created}\" already exists");
                }
                else
                {
                    await Json(context, 201, body.DeepClone());
                }

                break;
            default:
                await Status(context, 404, "NotFound", "the server could not find the requested resource");
                break;
        }
    }

    private const string ConfigMapsPath = "/api/v1/namespaces/kube-system/configmaps";

    /// <summary>The user (CN) of a client certificate issued by the cluster CA for client auth; null otherwise.</summary>
    private string? Authenticate(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return null;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_clusterCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate) ? certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) : null;
    }

    private static bool InGroup(X509Certificate2 certificate, string group) =>
        certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Any(name => name.GetSingleElementType().Value == "2.5.4.10" && name.GetSingleElementValue() == group);

    private static JsonObject Resource(string name, string kind, bool namespaced, params string[] shortNames) => new()
    {
        ["name"] = name,
        ["singularName"] = kind.ToLowerInvariant(),
        ["namespaced"] = namespaced,
        ["kind"] = kind,
        ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
        ["shortNames"] = new JsonArray(shortNames.Select(shortName => (JsonNode)shortName).ToArray()),
    };

    private static JsonObject Kinded(JsonObject item, string kind)
    {
        item["kind"] = kind;
        item["apiVersion"] = "v1";
        return item;
    }

    private static Task Status(HttpContext context, int code, string reason, string message) => Json(context, code, new JsonObject
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    });

    private static async Task Json(HttpContext context, int code, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static X509Certificate2 ServingCertificate(CertificateAuthority ca, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(name, out var address))
        {
            names.AddIpAddress(address);
        }
        else
        {
            names.AddDnsName(name);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        using var certificate = ca.Issue(request, TestSecrets.Now.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.CopyWithPrivateKey(key);
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
        _clusterCa.Dispose();
    }
}
