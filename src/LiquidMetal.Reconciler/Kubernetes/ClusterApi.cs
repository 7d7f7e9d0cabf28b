using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>
/// The few calls the reconciler makes to a cluster's API server: node readiness, and the bootstrap-token Secret
/// that lets later nodes join. Each call has a short timeout; failures are <see cref="ClusterApiException"/>.
/// </summary>
public sealed partial class ClusterApi : IClusterApi
{
    private readonly IKubernetes _client;
    private readonly ClusterCaTrust _trust;
    private readonly string _cluster;
    private readonly string _endpoint;
    private readonly TimeSpan _timeout;

    private ClusterApi(IKubernetes client, ClusterCaTrust trust, string cluster, string endpoint, TimeSpan timeout)
    {
        _client = client;
        _trust = trust;
        _cluster = cluster;
        _endpoint = endpoint;
        _timeout = timeout;
    }

    /// <summary>
    /// The API of <paramref name="secrets"/>' cluster at <paramref name="endpoint"/> (<c>https://host:port</c>), as
    /// <see cref="ClusterClient.Create(string, ClusterSecrets, DateTimeOffset, TimeSpan?)"/> connects; nothing is sent yet.
    /// </summary>
    public static ClusterApi Connect(string endpoint, ClusterSecrets secrets, DateTimeOffset now, TimeSpan? timeout = null)
    {
        var limit = timeout ?? ClusterClient.DefaultTimeout;
        var client = ClusterClient.Create(endpoint, secrets, now, limit, out var trust);
        return new ClusterApi(client, trust, secrets.Cluster, endpoint, limit);
    }

    /// <summary>The same, with a client certificate given outright: for tests of what the server refuses.</summary>
    internal static ClusterApi Connect(string endpoint, string cluster, CertificateAuthority trusted, (string Certificate, string Key) client, TimeSpan timeout)
    {
        var kubernetes = ClusterClient.Create(endpoint, cluster, trusted.LoadCertificate(), client.Certificate, client.Key, timeout, out var trust);
        return new ClusterApi(kubernetes, trust, cluster, endpoint, timeout);
    }

    /// <summary>Every Node by name, with its Ready condition and kubelet version.</summary>
    public async Task<IReadOnlyDictionary<string, NodeReadiness>> NodesAsync(CancellationToken cancellationToken)
    {
        var list = await Call("list nodes", token => _client.CoreV1.ListNodeAsync(cancellationToken: token), null, cancellationToken);
        if (list?.Items is null)
        {
            throw Failure(ClusterApiFailure.BadResponse, "list nodes", "the answer is not a NodeList");
        }

        var nodes = new SortedDictionary<string, NodeReadiness>(StringComparer.Ordinal);
        foreach (var node in list.Items)
        {
            if (node.Metadata?.Name is { } name)
            {
                nodes[name] = Readiness(node);
            }
        }

        return nodes;
    }

    /// <summary>
    /// Makes sure <c>kube-system/bootstrap-token-&lt;id&gt;</c> exists for <paramref name="token"/>: reads it first,
    /// creates it when missing. A Secret of that name holding another secret is a <see cref="ClusterApiFailure.Conflict"/>.
    /// </summary>
    public async Task<BootstrapTokenSecretResult> EnsureBootstrapTokenAsync(BootstrapToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var name = BootstrapTokenSecret.Name(token);
        var where = $"{BootstrapTokenSecret.Namespace}/{name}";
        try
        {
            var existing = await Call(
                $"read Secret {where}",
                call => _client.CoreV1.ReadNamespacedSecretAsync(name, BootstrapTokenSecret.Namespace, cancellationToken: call),
                token.Secret,
                cancellationToken);
            return Verified(existing, token, where);
        }
        catch (ClusterApiException e) when (e.Failure == ClusterApiFailure.NotFound)
        {
        }

        try
        {
            await Call(
                $"create Secret {where}",
                call => _client.CoreV1.CreateNamespacedSecretAsync(BootstrapTokenSecret.For(_cluster, token), BootstrapTokenSecret.Namespace, cancellationToken: call),
                token.Secret,
                cancellationToken);
            return BootstrapTokenSecretResult.Created;
        }
        catch (ClusterApiException e) when (e.Failure == ClusterApiFailure.Conflict)
        {
            // Someone created it between the read and the create: check theirs as if the read had found it.
            var existing = await Call(
                $"read Secret {where}",
                call => _client.CoreV1.ReadNamespacedSecretAsync(name, BootstrapTokenSecret.Namespace, cancellationToken: call),
                token.Secret,
                cancellationToken);
            return Verified(existing, token, where);
        }
    }

    /// <summary>
    /// Sets kubernetesVersion in kube-system/kubeadm-config's ClusterConfiguration, as a control-plane upgrade must
    /// before the first control plane of the new release joins (kubeadm join takes the cluster's configuration from
    /// there). Returns the version it held; nothing is written when it already holds <paramref name="version"/>.
    /// </summary>
    public async Task<string?> SetKubeadmVersionAsync(string version, CancellationToken cancellationToken)
    {
        const string where = "kube-system/kubeadm-config";
        var config = await Call($"read ConfigMap {where}", call => _client.CoreV1.ReadNamespacedConfigMapAsync("kubeadm-config", "kube-system", cancellationToken: call), null, cancellationToken);
        if (config.Data is null || !config.Data.TryGetValue("ClusterConfiguration", out var text))
        {
            throw Failure(ClusterApiFailure.BadResponse, $"read ConfigMap {where}", "it has no ClusterConfiguration");
        }

        var line = KubeadmVersionLine().Match(text);
        if (!line.Success)
        {
            throw Failure(ClusterApiFailure.BadResponse, $"read ConfigMap {where}", "its ClusterConfiguration has no kubernetesVersion");
        }

        var held = line.Groups["version"].Value.Trim().Trim('"');
        if (held == version)
        {
            return held;
        }

        config.Data["ClusterConfiguration"] = string.Concat(text.AsSpan(0, line.Index), "kubernetesVersion: ", version, text.AsSpan(line.Index + line.Length));
        await Call($"update ConfigMap {where}", call => _client.CoreV1.ReplaceNamespacedConfigMapAsync(config, "kubeadm-config", "kube-system", cancellationToken: call), null, cancellationToken);
        return held;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^kubernetesVersion:(?<version>[^\n]*)$", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex KubeadmVersionLine();

    public void Dispose() => _client.Dispose();

    private BootstrapTokenSecretResult Verified(V1Secret existing, BootstrapToken token, string where) =>
        BootstrapTokenSecret.Holds(existing, token)
            ? BootstrapTokenSecretResult.Present
            : throw Failure(ClusterApiFailure.Conflict, $"check Secret {where}",
                $"it exists but is not of type {BootstrapTokenSecret.Type} with token {token.Id}; delete it, or drop the token from the cluster's secrets");

    private static NodeReadiness Readiness(V1Node node)
    {
        var kubelet = node.Status?.NodeInfo?.KubeletVersion;
        var ready = node.Status?.Conditions?.FirstOrDefault(condition => condition.Type == "Ready");
        if (ready is null)
        {
            return new NodeReadiness(NodeReadyStatus.Unknown, NodeReadiness.NoConditionReason, "the node has no Ready condition yet", null, kubelet);
        }

        var status = ready.Status switch
        {
            "True" => NodeReadyStatus.True,
            "False" => NodeReadyStatus.False,
            _ => NodeReadyStatus.Unknown,
        };
        DateTimeOffset? since = ready.LastTransitionTime is { } time
            ? new DateTimeOffset(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime())
            : null;
        return new NodeReadiness(status, ready.Reason, ready.Message, since, kubelet);
    }

    /// <summary>
    /// Runs one call under the timeout and turns what can go wrong into a <see cref="ClusterApiException"/>.
    /// <paramref name="redact"/> is a secret the call sends, kept out of any message.
    /// </summary>
    private async Task<T> Call<T>(string operation, Func<CancellationToken, Task<T>> call, string? redact, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure(ClusterApiFailure.Timeout, operation, $"no answer within {_timeout.TotalSeconds:0.###} s", e);
        }
        catch (HttpOperationException e)
        {
            // Never chained: the exception keeps the request, body and all, and a Secret's body is the secret.
            var status = e.Response?.StatusCode ?? 0;
            var detail = Redact(StatusMessage(e.Response?.Content), redact);
            var failure = status switch
            {
                HttpStatusCode.Unauthorized => ClusterApiFailure.Unauthorized,
                HttpStatusCode.Forbidden => ClusterApiFailure.Forbidden,
                HttpStatusCode.NotFound => ClusterApiFailure.NotFound,
                HttpStatusCode.Conflict => ClusterApiFailure.Conflict,
                _ => ClusterApiFailure.ApiError,
            };
            var why = failure == ClusterApiFailure.Unauthorized
                ? $"HTTP 401: the API server does not accept the client certificate (is it from cluster {_cluster}'s CA?)"
                : $"HTTP {(int)status} {status}";
            throw new ClusterApiException(failure, $"{Where(operation)}: {why}{(detail is null ? "" : $": {detail}")}", status);
        }
        catch (HttpRequestException e)
        {
            throw Transport(operation, e);
        }
        catch (JsonException)
        {
            throw Failure(ClusterApiFailure.BadResponse, operation, "the answer is not valid Kubernetes JSON");
        }
    }

    private ClusterApiException Transport(string operation, HttpRequestException e)
    {
        if (e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is System.Security.Authentication.AuthenticationException)
        {
            return _trust.LastRejection is { } rejection
                ? Failure(ClusterApiFailure.UntrustedServer, operation, rejection, e)
                : Failure(ClusterApiFailure.TlsFailed, operation, "the TLS handshake failed (did the server refuse the client certificate?)", e);
        }

        var socket = e.InnerException as SocketException;
        var why = socket?.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostUnreachable or SocketError.NetworkUnreachable => "no route to the host",
            SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "the host name does not resolve",
            SocketError.TimedOut => "the connection timed out",
            _ => e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "the host name does not resolve",
                HttpRequestError.ConnectionError => "cannot connect",
                _ => $"the request failed ({e.HttpRequestError})",
            },
        };
        var failure = e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError || socket is not null
            ? ClusterApiFailure.Unreachable
            : ClusterApiFailure.BadResponse;
        return Failure(failure, operation, why, e);
    }

    private ClusterApiException Failure(ClusterApiFailure failure, string operation, string why, Exception? inner = null) =>
        new(failure, $"{Where(operation)}: {why}", null, inner);

    private string Where(string operation) => $"cluster {_cluster}: {operation} at {_endpoint}";

    /// <summary>The <c>message</c> of a Kubernetes Status body, clipped; null when there is none.</summary>
    private static string? StatusMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                var text = message.GetString()!;
                return text.Length <= 300 ? text : text[..300] + "...";
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static string? Redact(string? text, string? secret) =>
        text is null || string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "<redacted>", StringComparison.Ordinal);
}
