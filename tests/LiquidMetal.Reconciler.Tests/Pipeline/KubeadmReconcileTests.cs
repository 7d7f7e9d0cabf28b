using System.Text;
using System.Text.Json;
using k8s;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Bootstrap;
using LiquidMetal.Reconciler.Kubernetes;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Secrets.Age;
using LiquidMetal.Reconciler.Tests.Fakes;
using LiquidMetal.Reconciler.Tests.Kubernetes;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// A kubeadm cluster through the whole loop: real git, real agents (sim VMs) over gRPC, secrets sealed with age on the
/// status branch and filled only in what the agents get, and readiness from the cluster's API, which here is an in-test
/// HTTPS server with a real TLS chain from the cluster CA the reconciler generated (no kube-apiserver runs here).
/// </summary>
public sealed class KubeadmReconcileTests : IDisposable
{
    private readonly TempFolder _dir = new();

    [Fact]
    public async Task Reconcile_KubeadmCluster_SealedSecretsFilledForAgentsAndReadyFromAnInTestApiServer()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        fleet.Push("clusters/cluster-b.yaml", KubeadmExample.WithoutUserData, "cluster-b bootstraps with kubeadm");
        using var identity = AgeIdentity.Generate();
        var keyFile = Path.Combine(_dir.Path, "reconciler.agekey");
        identity.WriteFile(keyFile, DateTimeOffset.UnixEpoch);

        // The VIP answers nothing until the in-test API server is up; then the VIP is that server.
        FakeKubeApiServer? api = null;
        IClusterApi Connect(string endpoint, ClusterSecrets secrets, DateTimeOffset now)
        {
            Assert.Equal("https://10.20.1.11:6443", endpoint);
            return ClusterApi.Connect(api?.Endpoint ?? "https://127.0.0.1:1", secrets, now, TimeSpan.FromSeconds(2));
        }

        var logs = new CapturingLogger();
        var options = fleet.Options with { SecretBox = new AgeSecretBox([identity]), KubernetesProbeInterval = TimeSpan.Zero, Logger = logs };
        await using var reconciler = await ReconcilePass.OpenAsync(options, connect: Connect);
        ReconcileResult result;
        var until = DateTime.UtcNow.AddSeconds(30);
        do
        {
            result = await reconciler.RunAsync();
        }
        while (fleet.RunningVms < 12 && result.Valid && DateTime.UtcNow < until);

        // Every VM runs, but cluster-b is not Ready: its API has not answered.
        Assert.Equal(12, fleet.RunningVms);
        result = await reconciler.RunAsync(); // records them running
        Assert.False(result.Converged);
        var clusterB = fleet.StatusFile("status/clusters/cluster-b.yaml");
        Assert.True(clusterB.Contains("reason: ApiUnreachable", StringComparison.Ordinal), clusterB);
        Assert.Contains("kubernetes: Unknown", clusterB, StringComparison.Ordinal);

        // The secrets are sealed on the status branch, and Debian's age opens them with the reconciler's key.
        var tree = fleet.StatusTree();
        Assert.Contains("bootstrap/clusters/cluster-b/secrets.age", tree, StringComparison.Ordinal);
        Assert.DoesNotContain("bootstrap/clusters/cluster-a", tree, StringComparison.Ordinal); // its own user-data: nothing kept
        Assert.Contains("initNode: cluster-b-cp-1\n", fleet.StatusFile("bootstrap/clusters/cluster-b/init.yaml"), StringComparison.Ordinal);
        var secrets = await ReadSecretsAsync(fleet.Url, identity);
        Assert.Equal(string.Empty, await GrepStatusBranchAsync(fleet, "PRIVATE KEY"));
        Assert.Equal(string.Empty, await GrepStatusBranchAsync(fleet, secrets.NewestToken.Secret));
        if (Tools.OnPath("age"))
        {
            var opened = await Tools.Bash($"git cat-file blob origin/liquidmetal/status:bootstrap/clusters/cluster-b/secrets.age | age -d -i {keyFile}", fleet.Clone);
            Assert.Contains("\"kind\": \"ClusterSecrets\"", opened, StringComparison.Ordinal);
        }

        // What the agents got: the slots filled, one control plane told to init, the others to join.
        var cp1 = AgentUserData(fleet, "cluster-b-cp-1");
        Assert.Contains("/usr/local/lib/liquidmetal/kubeadm-bootstrap, \"init\"]", cp1, StringComparison.Ordinal);
        Assert.Contains(Convert.ToBase64String(Encoding.ASCII.GetBytes(secrets.ClusterCa.KeyPem)), cp1, StringComparison.Ordinal);
        Assert.DoesNotContain("@@liquidmetal:", cp1, StringComparison.Ordinal);
        Assert.Contains("/usr/local/lib/liquidmetal/kubeadm-bootstrap, \"join-control-plane\"]", AgentUserData(fleet, "cluster-b-cp-2"), StringComparison.Ordinal);
        var worker = AgentUserData(fleet, "cluster-b-workers-1");
        Assert.Contains($"token: \"{secrets.NewestToken.Value}\"", worker, StringComparison.Ordinal);
        Assert.Contains($"caCertHashes: [\"{secrets.CaCertHash}\"]", worker, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", worker, StringComparison.Ordinal);

        // The API answers (TLS from the generated CA) and every node is Ready: the cluster is Ready, the fleet converges,
        // the cluster is recorded as initialized, and its bootstrap token is there for nodes that join later.
        api = await FakeKubeApiServer.StartAsync(secrets.ClusterCa);
        await using (api)
        {
            foreach (var node in new[] { "cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3" })
            {
                api.Nodes["cluster-b-" + node] = FakeKubeApiServer.Node("cluster-b-" + node, "True");
            }

            api.ConfigMaps["kubeadm-config"] = FakeKubeApiServer.KubeadmConfig("v1.31.2");

            result = await FleetUnderTest.ConvergeAsync(reconciler, TimeSpan.FromSeconds(20));
            Assert.True(result.Converged, string.Join("\n", result.Errors));
            clusterB = fleet.StatusFile("status/clusters/cluster-b.yaml");
            Assert.Contains("reason: AllNodesReady", clusterB, StringComparison.Ordinal);
            Assert.DoesNotContain("kubernetes: Unknown", clusterB, StringComparison.Ordinal);
            Assert.Contains("bootstrap-token-" + secrets.NewestToken.Id, api.Secrets.Keys);

            var again = await reconciler.RunAsync();
            var init = fleet.StatusFile("bootstrap/clusters/cluster-b/init.yaml");
            Assert.True(init.EndsWith("initialized: true", StringComparison.Ordinal), init + "\n" + again + "\n" + fleet.StatusFile("status/clusters/cluster-b.yaml"));

            // Another reconciler holding the key continues: same secrets, no new bootstrap commit.
            var bootstrapCommits = Count(fleet.StatusLog(), "bootstrap: ");
            await using (var second = await ReconcilePass.OpenAsync(options with { MirrorPath = Path.Combine(_dir.Path, "second.git") }, connect: Connect))
            {
                Assert.True((await second.RunAsync()).Converged);
            }

            Assert.Equal(bootstrapCommits, Count(fleet.StatusLog(), "bootstrap: "));
            Assert.Equal(secrets.ClusterCa.CertificatePem, (await ReadSecretsAsync(fleet.Url, identity)).ClusterCa.CertificatePem);

            // `liquidmetal kubeconfig` (the real executable) prints an admin kubeconfig for the VIP, from the sealed CA.
            var kubeconfig = await Tools.Bash(
                $"dotnet {Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll")} kubeconfig cluster-b --repo {fleet.Url} --age-key-file {keyFile} --mirror {Path.Combine(_dir.Path, "cli.git")}",
                _dir.Path,
                TimeSpan.FromSeconds(60));
            Assert.Contains("server: \"https://10.20.1.11:6443\"", kubeconfig, StringComparison.Ordinal);
            Assert.Contains("certificate-authority-data: " + Convert.ToBase64String(Encoding.ASCII.GetBytes(secrets.ClusterCa.CertificatePem)), kubeconfig, StringComparison.Ordinal);
            var file = Path.Combine(_dir.Path, "admin.kubeconfig");
            await File.WriteAllTextAsync(file, kubeconfig.Replace("https://10.20.1.11:6443", api.Endpoint, StringComparison.Ordinal));
            using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(file));
            Assert.Equal(6, (await client.CoreV1.ListNodeAsync()).Items.Count); // its client certificate is one the API trusts
        }

        // A version change: kubeadm-config says the new version before any control plane of it joins; cp-1 goes
        // first, and the workers keep the release they run while control planes change.
        await using (api = await FakeKubeApiServer.StartAsync(secrets.ClusterCa))
        {
            api.ConfigMaps["kubeadm-config"] = FakeKubeApiServer.KubeadmConfig("v1.31.2");
            foreach (var node in new[] { "cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3" })
            {
                api.Nodes["cluster-b-" + node] = FakeKubeApiServer.Node("cluster-b-" + node, "True");
            }

            var cp2Before = AgentUserData(fleet, "cluster-b-cp-2");
            var workerBefore = AgentUserData(fleet, "cluster-b-workers-1");
            fleet.Push("clusters/cluster-b.yaml", text => text.Replace("spec:\n", "spec:\n  kubernetes:\n    version: v1.32.1\n", StringComparison.Ordinal), "cluster-b to Kubernetes 1.32");
            var upgrade = await reconciler.RunAsync();

            Assert.Contains("kubernetesVersion: v1.32.1\n", api.ConfigMaps["kubeadm-config"]["data"]!["ClusterConfiguration"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains(upgrade.Warnings, w => w.Contains("kubeadm-config now says Kubernetes v1.32.1 (it said v1.31.2)", StringComparison.Ordinal));
            Assert.Contains("kubernetesVersion: v1.32.1", AgentUserData(fleet, "cluster-b-cp-1"), StringComparison.Ordinal);
            Assert.Contains("\"join-control-plane\"]", AgentUserData(fleet, "cluster-b-cp-1"), StringComparison.Ordinal); // initialized: the new cp-1 joins
            Assert.Equal(cp2Before, AgentUserData(fleet, "cluster-b-cp-2"));
            Assert.Equal(workerBefore, AgentUserData(fleet, "cluster-b-workers-1"));
        }

        // Nothing secret was logged: the bootstrap is logged by cluster name only.
        var logged = string.Join("\n", logs.Events.SelectMany(e => e.Fields.Values).Select(v => v?.ToString()));
        Assert.Contains("cluster-b", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(secrets.NewestToken.Secret, logged, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.ASCII.GetBytes(secrets.ClusterCa.KeyPem))[..40], logged, StringComparison.Ordinal);

        // One with another key applies nothing and says why; it never makes new secrets over the cluster's.
        using var stranger = AgeIdentity.Generate();
        await using var third = await ReconcilePass.OpenAsync(options with { MirrorPath = Path.Combine(_dir.Path, "third.git"), SecretBox = new AgeSecretBox([stranger]) }, connect: Connect);
        var refused = await third.RunAsync();
        Assert.False(refused.Valid);
        Assert.Contains("bootstrap/clusters/cluster-b/secrets.age on liquidmetal/status cannot be opened with this reconciler's key", string.Join("\n", refused.Errors), StringComparison.Ordinal);
        Assert.Equal(secrets.ClusterCa.CertificatePem, (await ReadSecretsAsync(fleet.Url, identity)).ClusterCa.CertificatePem);
    }

    [Fact]
    public async Task Reconcile_KubeadmClusterWithoutAKey_NothingAppliedAndTheReasonSaid()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        fleet.Push("clusters/cluster-b.yaml", KubeadmExample.WithoutUserData, "cluster-b bootstraps with kubeadm");
        await using var reconciler = await ReconcilePass.OpenAsync(fleet.Options);

        var result = await reconciler.RunAsync();

        Assert.False(result.Converged);
        Assert.Equal(0, fleet.RunningVms);
        Assert.Contains("cluster(s) cluster-b bootstrap with kubeadm, and this reconciler has no --age-key-file", string.Join("\n", result.Errors), StringComparison.Ordinal);
    }

    /// <summary>
    /// Two reconcilers with the key start at the same moment on a new kubeadm cluster: each makes CAs, one commit of
    /// them lands (compare-and-swap), and every node of the cluster gets that one set, with exactly one kubeadm init.
    /// </summary>
    [Fact]
    public async Task Reconcile_TwoReconcilersStartAtOnceOnANewKubeadmCluster_OneSetOfSecretsAndOneInit()
    {
        await using var fleet = await FleetUnderTest.StartAsync();
        fleet.Push("clusters/cluster-b.yaml", KubeadmExample.WithoutUserData, "cluster-b bootstraps with kubeadm");
        using var identity = AgeIdentity.Generate();
        IClusterApi Connect(string endpoint, ClusterSecrets secrets, DateTimeOffset now) => ClusterApi.Connect("https://127.0.0.1:1", secrets, now, TimeSpan.FromSeconds(2));
        var options = fleet.Options with { SecretBox = new AgeSecretBox([identity]), KubernetesProbeInterval = TimeSpan.Zero };
        await using var a = await ReconcilePass.OpenAsync(options with { MirrorPath = Path.Combine(_dir.Path, "a.git") }, connect: Connect);
        await using var b = await ReconcilePass.OpenAsync(options with { MirrorPath = Path.Combine(_dir.Path, "b.git") }, connect: Connect);

        var until = DateTime.UtcNow.AddSeconds(40);
        while (fleet.RunningVms < 12 && DateTime.UtcNow < until)
        {
            var passes = await Task.WhenAll(a.RunAsync(), b.RunAsync());
            Assert.All(passes, pass => Assert.True(pass.Valid, string.Join("\n", pass.Errors)));
        }

        Assert.Equal(12, fleet.RunningVms);
        fleet.StatusTree(); // fetches
        var sealedIn = GitTool.Run(fleet.Clone, "log", "--format=%s", "origin/liquidmetal/status", "--", "bootstrap/clusters/cluster-b/secrets.age");
        Assert.Equal(["bootstrap: cluster-b: new CAs and a bootstrap token; cluster-b-cp-1 creates it"], sealedIn.Split('\n'));
        var secrets = await ReadSecretsAsync(fleet.Url, identity);
        var caKey = Convert.ToBase64String(Encoding.ASCII.GetBytes(secrets.ClusterCa.KeyPem));
        var initializers = 0;
        foreach (var node in new[] { "cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3" })
        {
            var userData = AgentUserData(fleet, "cluster-b-" + node);
            Assert.Contains($"caCertHashes: [\"{secrets.CaCertHash}\"]", userData, StringComparison.Ordinal);
            Assert.Equal(node.StartsWith("cp-", StringComparison.Ordinal), userData.Contains(caKey, StringComparison.Ordinal));
            initializers += Count(userData, "/usr/local/lib/liquidmetal/kubeadm-bootstrap, \"init\"]");
        }

        Assert.Equal(1, initializers);
    }

    private async Task<ClusterSecrets> ReadSecretsAsync(string url, AgeIdentity identity)
    {
        await using var mirror = await GitMirror.OpenAsync(Path.Combine(_dir.Path, "read-" + Guid.NewGuid().ToString("N") + ".git"), url);
        var tip = (await mirror.SyncAsync(["liquidmetal/status"])).RemoteHeads["liquidmetal/status"];
        var store = new GitBootstrapStore(mirror, "liquidmetal/status", new AgeSecretBox([identity]), new GitSignature("t", "t@example.com", DateTimeOffset.UnixEpoch), TimeProvider.System);
        return (await store.ReadAsync(tip, CancellationToken.None))["cluster-b"].Secrets;
    }

    /// <summary>Lines of the status branch (every file) holding <paramref name="text"/> (letters, digits and spaces); empty when none does.</summary>
    private static async Task<string> GrepStatusBranchAsync(FleetUnderTest fleet, string text)
    {
        fleet.StatusTree(); // fetches
        return await Tools.Bash($"git grep -a -F -e '{text}' origin/liquidmetal/status || true", fleet.Clone);
    }

    /// <summary>The user-data a node's agent holds (desired.json of the agent that runs it).</summary>
    private static string AgentUserData(FleetUnderTest fleet, string node)
    {
        foreach (var (core, _) in fleet.Agents.Values)
        {
            using var desired = JsonDocument.Parse(File.ReadAllText(Path.Combine(core.StateDirectory, "desired.json")));
            if (Find(desired.RootElement, node) is { } userData)
            {
                return userData;
            }
        }

        throw new InvalidOperationException($"no agent holds {node}");

        static string? Find(JsonElement element, string node)
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                var id = element.EnumerateObject().FirstOrDefault(p => p.NameEquals("id") || p.NameEquals("Id"));
                var userData = element.EnumerateObject().FirstOrDefault(p => p.NameEquals("userData") || p.NameEquals("UserData"));
                if (id.Value.ValueKind == JsonValueKind.String && id.Value.GetString() == node && userData.Value.ValueKind == JsonValueKind.String)
                {
                    return userData.Value.GetString();
                }

                return element.EnumerateObject().Select(p => Find(p.Value, node)).FirstOrDefault(found => found is not null);
            }

            return element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().Select(e => Find(e, node)).FirstOrDefault(found => found is not null) : null;
        }
    }

    private static int Count(string text, string what) => text.Split(what).Length - 1;

    public void Dispose() => _dir.Dispose();
}
