using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

public sealed class ClusterApiTests : IAsyncLifetime
{
    private FakeKubeApiServer _server = null!;

    private static ClusterSecrets Secrets => TestSecrets.Alpha;

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync(Secrets.ClusterCa);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task NodesAsync_ReadyTrueFalseAndMissing_AgainstInTestApiServer()
    {
        _server.Nodes["alpha-cp-1"] = FakeKubeApiServer.Node("alpha-cp-1", "True", "KubeletReady", "kubelet is posting ready status");
        _server.Nodes["alpha-workers-1"] = FakeKubeApiServer.Node("alpha-workers-1", "False", "KubeletNotReady", "container runtime network not ready", "v1.31.7");
        _server.Nodes["alpha-workers-2"] = FakeKubeApiServer.Node("alpha-workers-2", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.");
        _server.Nodes["alpha-workers-3"] = FakeKubeApiServer.Node("alpha-workers-3", ready: null);
        using var api = Connect();

        var nodes = await api.NodesAsync(CancellationToken.None);

        Assert.Equal(["alpha-cp-1", "alpha-workers-1", "alpha-workers-2", "alpha-workers-3"], nodes.Keys);
        var ready = nodes["alpha-cp-1"];
        Assert.Equal(NodeReadyStatus.True, ready.Ready);
        Assert.Equal("KubeletReady", ready.Reason);
        Assert.Equal("kubelet is posting ready status", ready.Message);
        Assert.Equal("v1.32.3", ready.KubeletVersion);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 11, 58, 30, TimeSpan.Zero), ready.Since);
        Assert.Equal(new NodeReadiness(NodeReadyStatus.False, "KubeletNotReady", "container runtime network not ready", ready.Since, "v1.31.7"), nodes["alpha-workers-1"]);
        Assert.Equal(NodeReadyStatus.Unknown, nodes["alpha-workers-2"].Ready);
        Assert.Equal("NodeStatusUnknown", nodes["alpha-workers-2"].Reason);
        Assert.Equal(NodeReadyStatus.Unknown, nodes["alpha-workers-3"].Ready);
        Assert.Equal(NodeReadiness.NoConditionReason, nodes["alpha-workers-3"].Reason);
        Assert.Equal("v1.32.3", nodes["alpha-workers-3"].KubeletVersion);
        Assert.Contains(("GET", "/api/v1/nodes", ClusterClient.User), _server.Requests);
    }

    [Fact]
    public async Task NodesAsync_NoNodes_IsEmpty_AgainstInTestApiServer()
    {
        using var api = Connect();

        Assert.Empty(await api.NodesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task EnsureBootstrapTokenAsync_Missing_CreatesKubeadmsSecret_AgainstInTestApiServer()
    {
        var token = Secrets.NewestToken;
        using var api = Connect();

        var result = await api.EnsureBootstrapTokenAsync(token, CancellationToken.None);

        Assert.Equal(BootstrapTokenSecretResult.Created, result);
        var secret = _server.Secrets[$"bootstrap-token-{token.Id}"];
        Assert.Equal("bootstrap.kubernetes.io/token", (string?)secret["type"]);
        Assert.Equal("kube-system", (string?)secret["metadata"]!["namespace"]);
        var data = secret["data"]!.AsObject().ToDictionary(field => field.Key, field => Encoding.UTF8.GetString(Convert.FromBase64String((string)field.Value!)));
        Assert.Equal(token.Id, data["token-id"]);
        Assert.Equal(token.Secret, data["token-secret"]);
        Assert.Equal(token.ExpiresRfc3339, data["expiration"]);
        Assert.Equal(token.Expires, DateTimeOffset.Parse(data["expiration"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("true", data["usage-bootstrap-authentication"]);
        Assert.Equal("true", data["usage-bootstrap-signing"]);
        Assert.Equal("system:bootstrappers:kubeadm:default-node-token", data["auth-extra-groups"]);
        Assert.Contains("alpha", data["description"], StringComparison.Ordinal);
        Assert.Equal(7, data.Count);
    }

    [Fact]
    public async Task EnsureBootstrapTokenAsync_Twice_CreatesOnceThenLeavesIt_AgainstInTestApiServer()
    {
        var token = Secrets.NewestToken;
        using var api = Connect();

        var first = await api.EnsureBootstrapTokenAsync(token, CancellationToken.None);
        var second = await api.EnsureBootstrapTokenAsync(token, CancellationToken.None);

        Assert.Equal(BootstrapTokenSecretResult.Created, first);
        Assert.Equal(BootstrapTokenSecretResult.Present, second);
        Assert.Single(_server.Requests, request => request.Method == "POST");
        Assert.Single(_server.Secrets);
    }

    [Fact]
    public async Task EnsureBootstrapTokenAsync_SameIdOtherSecret_IsAConflictThatHidesBothSecrets_AgainstInTestApiServer()
    {
        var ours = Secrets.NewestToken;
        var theirs = new BootstrapToken(ours.Id, "zzzzzzzzzzzzzzzz", ours.Expires);
        using var api = Connect();
        await api.EnsureBootstrapTokenAsync(theirs, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ClusterApiException>(() => api.EnsureBootstrapTokenAsync(ours, CancellationToken.None));

        Assert.Equal(ClusterApiFailure.Conflict, error.Failure);
        Assert.Contains($"bootstrap-token-{ours.Id}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ours.Secret, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(theirs.Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodesAsync_ClientCertificateFromAnotherClustersCa_Is401_AgainstInTestApiServer()
    {
        var stranger = ClientCertificates.Issue(TestSecrets.Beta.ClusterCa, "liquidmetal-admin", ["system:masters"], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        using var api = ClusterApi.Connect(_server.Endpoint, "alpha", Secrets.ClusterCa, stranger, ClusterClient.DefaultTimeout);

        var error = await Assert.ThrowsAsync<ClusterApiException>(() => api.NodesAsync(CancellationToken.None));

        Assert.Equal(ClusterApiFailure.Unauthorized, error.Failure);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("cluster alpha: list nodes at https://127.0.0.1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 401", error.Message, StringComparison.Ordinal);
        Assert.Contains(("GET", "/api/v1/nodes", null), _server.Requests);
    }

    [Fact]
    public async Task NodesAsync_UserWithoutRights_Is403WithTheServersMessage_AgainstInTestApiServer()
    {
        var viewer = ClientCertificates.Issue(Secrets.ClusterCa, "viewer", [], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        using var api = ClusterApi.Connect(_server.Endpoint, "alpha", Secrets.ClusterCa, viewer, ClusterClient.DefaultTimeout);

        var error = await Assert.ThrowsAsync<ClusterApiException>(() => api.NodesAsync(CancellationToken.None));

        Assert.Equal(ClusterApiFailure.Forbidden, error.Failure);
        Assert.Contains("HTTP 403 Forbidden: forbidden: User \"viewer\" cannot get path \"/api/v1/nodes\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureBootstrapTokenAsync_Refused_MessageHoldsNoSecret_AgainstInTestApiServer()
    {
        var stranger = ClientCertificates.Issue(TestSecrets.Beta.ClusterCa, "x", [], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        using var api = ClusterApi.Connect(_server.Endpoint, "alpha", Secrets.ClusterCa, stranger, ClusterClient.DefaultTimeout);

        var error = await Assert.ThrowsAsync<ClusterApiException>(() => api.EnsureBootstrapTokenAsync(Secrets.NewestToken, CancellationToken.None));

        Assert.Equal(ClusterApiFailure.Unauthorized, error.Failure);
        TestSecrets.AssertNoSecretIn(error.ToString(), Secrets);
    }

    [Fact]
    public async Task NodesAsync_ServerCertificateFromAnotherCa_IsRefusedByTheClient_AgainstInTestApiServer()
    {
        await using var impostor = await FakeKubeApiServer.StartAsync(Secrets.ClusterCa, servingCa: TestSecrets.Beta.ClusterCa);
        using var api = ClusterApi.Connect(impostor.Endpoint, Secrets, DateTimeOffset.UtcNow);

        var error = await Assert.ThrowsAsync<ClusterApiException>(() => api.NodesAsync(CancellationToken.None));

        Assert.Equal(ClusterApiFailure.UntrustedServer, error.Failure);
        Assert.Contains("is not from cluster alpha's CA", error.Message, StringComparison.Ordinal);
        Assert.Empty(impostor.Requests);
    }

    [Fact]
    public async Task NodesAsync_ServerCertificateForAnotherName_IsRefusedByTheClient_AgainstInTestApiServer()
    {
        await using var elsewhere = await FakeKubeApiServer.StartAsync(Secrets.ClusterCa, servingName: "10.20.30.40");
        using var api = ClusterApi.Connect(elsewhere.Endpoint, Secrets, DateTimeOffset.UtcNow);

        var error = await Assert.ThrowsAsync<ClusterApiException>(() => api.NodesAsync(CancellationToken.None));

        Assert.Equal(ClusterApiFailure.UntrustedServer, error.Failure);
        Assert.Contains("does not name 127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task NodesAsync_NothingListening_FailsAsUnreachableAtOnce()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var api = ClusterApi.Connect($"https://127.0.0.1:{port}", Secrets, DateTimeOffset.UtcNow);

        var error = await Assert.ThrowsAsync<ClusterApiException>(() => api.NodesAsync(CancellationToken.None));

        Assert.Equal(ClusterApiFailure.Unreachable, error.Failure);
        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodesAsync_ServerThatNeverAnswers_TimesOutWithinTheLimit()
    {
        // Accepts TCP connections (the kernel's backlog does) but never speaks TLS: a hung VIP.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var api = ClusterApi.Connect($"https://127.0.0.1:{port}", Secrets, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ClusterApiException>(() => api.NodesAsync(CancellationToken.None));

        Assert.Equal(ClusterApiFailure.Timeout, error.Failure);
        Assert.Contains("no answer within 0.3 s", error.Message, StringComparison.Ordinal);
        // Generous above: a loaded two-core CI machine is slow, and a hang would take forever, not seconds.
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task NodesAsync_CallerCancels_ThrowsOperationCanceled()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var api = ClusterApi.Connect($"https://127.0.0.1:{port}", Secrets, DateTimeOffset.UtcNow);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => api.NodesAsync(cancel.Token));
    }

    [Fact]
    public void Connect_NotHttps_Throws()
    {
        Assert.Throws<ArgumentException>(() => ClusterApi.Connect("http://127.0.0.1:6443", Secrets, DateTimeOffset.UtcNow));
    }

    private ClusterApi Connect() => ClusterApi.Connect(_server.Endpoint, Secrets, DateTimeOffset.UtcNow);
}
