using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using LiquidMetal.Git;
using LiquidMetal.Git.Tests;
using LiquidMetal.Reconciler.Bootstrap;
using LiquidMetal.Reconciler.Kubernetes;
using LiquidMetal.Reconciler.Pass;
using LiquidMetal.Reconciler.Secrets.Age;
using Xunit.Abstractions;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// LiquidMetal's kubeadm bootstrap in a real guest, with STAND-INS for kubeadm, containerd and the kubelet: the Debian
/// cloud-init guest has none of them, so it carries scripts/guest-image/kubeadm-standin/ instead. Two sleds (real
/// agents, QEMU, network namespaces: <see cref="TwoSleds"/>) run a kubeadm cluster with a VIP on the lab network, a
/// control plane on each sled and a worker; the reconciler, with a fresh age key, seals the cluster's secrets on the
/// status branch and fills them into what it sends the agents. In each guest cloud-init writes the rendered files and
/// runs the bootstrap script; the stand-in kubeadm prints how it was called and what it finds in the files the real one
/// would read (secrets as SHA-256 digests only), and a report after cloud-init prints what the script left. No cluster
/// comes up (there is no API, so the fleet never converges): the test waits for the consoles instead.
/// </summary>
[Collection(CloudGuestCollection.Name)]
public sealed class KubeadmGuestTests(ITestOutputHelper output)
{
    private const string Cluster = "kube";
    private const string InitArgs = "init --config /etc/liquidmetal/kubeadm/init.yaml --ignore-preflight-errors=DirAvailable--etc-kubernetes-manifests";
    private const string JoinControlPlaneArgs = "join --config /etc/liquidmetal/kubeadm/join.yaml --ignore-preflight-errors=DirAvailable--etc-kubernetes-manifests";
    private const string JoinWorkerArgs = "join --config /etc/liquidmetal/kubeadm/join.yaml";

    private static readonly string[] Nodes = [$"{Cluster}-cp-1", $"{Cluster}-cp-2", $"{Cluster}-workers-1"];

    /// <summary>What a node's console shows, in order, on its way: up (the agent's ready marker), kubeadm called, the report out.</summary>
    private static readonly (string Milestone, string Text)[] Milestones =
        [("up", "LIQUIDMETAL-READY"), ("kubeadm", StandInConsole.Prefix + "kubeadm args"), ("report", StandInConsole.Prefix + "after done")];

    [CloudGuestFact]
    public async Task Reconcile_KubeadmCluster_FilesLandWhereKubeadmExpectsAndBootstrapRunsInOrder_WithStandInKubeadm()
    {
        var guest = CloudGuest.Build();
        using var daemon = new GitDaemonFixture();
        await using var lab = await TwoSleds.StartAsync(guest.Directory);
        using var identity = AgeIdentity.Generate();
        var url = daemon.CreateRepository("fleet");
        var clone = GitTool.Clone(url);
        try
        {
            WriteFleet(clone, lab, guest);
            GitTool.Run(clone, "push", "--quiet", "origin", "main");

            // The fleet cannot converge (no Kubernetes API answers at the VIP): pass until every guest's report is out.
            var options = new ReconcilerOptions { RepositoryUrl = url, MirrorPath = Path.Combine(lab.Root, "mirror.git"), SecretBox = new AgeSecretBox([identity]) };
            await using var reconciler = await ReconcilePass.OpenAsync(options);
            var clock = Stopwatch.StartNew();
            var seen = new Dictionary<string, TimeSpan>(StringComparer.Ordinal); // when each node first showed each milestone
            Dictionary<string, (string Sled, string Console)> vms;
            while (true)
            {
                var result = await reconciler.RunAsync();
                Assert.True(result.Valid, string.Join("\n", result.Errors));
                vms = lab.VmConsoles();
                foreach (var (node, vm) in vms)
                {
                    foreach (var (milestone, text) in Milestones.Where(m => vm.Console.Contains(m.Text, StringComparison.Ordinal)))
                    {
                        seen.TryAdd($"{node} {milestone}", clock.Elapsed);
                    }
                }

                if (Nodes.All(node => vms.TryGetValue(node, out var vm) && vm.Console.Contains(StandInConsole.Prefix + "after done", StringComparison.Ordinal))
                    || clock.Elapsed > TimeSpan.FromSeconds(420))
                {
                    break;
                }

                await Task.Delay(1000);
            }

            string At(string node, string milestone) => seen.TryGetValue($"{node} {milestone}", out var at) ? $"{at.TotalSeconds:F0} s" : "never";
            foreach (var node in Nodes)
            {
                output.WriteLine($"{node}, after the first pass: " + string.Join(", ", Milestones.Select(m => $"{m.Milestone} {At(node, m.Milestone)}")));
            }

            var why = "\n" + string.Join("\n", vms.Select(vm => $"--- {vm.Key} on {vm.Value.Sled}:\n{new StandInConsole(vm.Value.Console)}")) + "\n" + lab.Logs();
            Assert.True(Nodes.All(vms.ContainsKey), "not every node booted:" + why);
            var cp1 = new StandInConsole(vms[Nodes[0]].Console);
            var cp2 = new StandInConsole(vms[Nodes[1]].Console);
            var worker = new StandInConsole(vms[Nodes[2]].Console);
            Assert.True(new[] { cp1, cp2, worker }.All(c => c.Lines.Contains("after done")), "a guest's report is missing:" + why);
            Assert.NotEqual(vms[Nodes[0]].Sled, vms[Nodes[1]].Sled); // one control plane on each sled

            // The secrets the reconciler sealed on the status branch, opened with its key.
            var secrets = await ReadSecretsAsync(url, identity, lab.Root);
            var token = Sha256(secrets.NewestToken.Value);

            // No secret in plaintext on the consoles, which go to the test's output (kept with its results).
            foreach (var (node, vm) in vms)
            {
                Assert.False(vm.Console.Contains("PRIVATE KEY", StringComparison.Ordinal), $"{node}'s console shows a private key");
                Assert.False(vm.Console.Contains(secrets.NewestToken.Secret, StringComparison.Ordinal), $"{node}'s console shows the bootstrap token");
                output.WriteLine($"--- the serial console of {node} on {vm.Sled}:\n{vm.Console}");
            }

            // Exactly one node inits, the other control plane joins as one, the worker joins; each ran to its end.
            Assert.Equal([InitArgs], cp1.Values("kubeadm", "args"));
            Assert.Equal([JoinControlPlaneArgs], cp2.Values("kubeadm", "args"));
            Assert.Equal([JoinWorkerArgs], worker.Values("kubeadm", "args"));
            Assert.Equal(1, vms.Values.Sum(vm => new StandInConsole(vm.Console).Values("kubeadm", "args").Count(a => a.StartsWith("init ", StringComparison.Ordinal))));
            foreach (var (node, console, command) in new[] { (Nodes[0], cp1, "init"), (Nodes[1], cp2, "join"), (Nodes[2], worker, "join") })
            {
                var context = $"{node}:\n{console}";
                Assert.True(console.Lines.Contains($"kubeadm done {command}"), context);
                Assert.DoesNotContain(console.Lines, line => line.StartsWith("kubeadm refused ", StringComparison.Ordinal));
                Assert.Equal("yes", console.Value("after", "bootstrap-success"));

                // In order: containerd restarted, the kubelet enabled and the sysctls applied before kubeadm ran; the
                // kubelet started by kubeadm (as its kubelet-start phase does); the report after the script.
                var kubeadm = console.IndexOf($"kubeadm args {console.Value("kubeadm", "args")}");
                Assert.InRange(console.IndexOf("containerd started"), 0, kubeadm - 1);
                Assert.Equal("active", console.Value("kubeadm", "containerd"));
                Assert.Equal("enabled", console.Value("kubeadm", "kubelet"));
                Assert.Equal("1", console.Value("kubeadm", "ip_forward"));
                Assert.True(console.IndexOf("kubelet started") > kubeadm, context);
                Assert.True(console.IndexOf("after done") > console.IndexOf($"kubeadm done {command}"), context);

                // kubeadm's configuration parses as the kinds kubeadm reads, with the token and the CA hash the reconciler sealed.
                Assert.Equal(command == "init"
                    ? "kubeadm.k8s.io/v1beta4/InitConfiguration kubeadm.k8s.io/v1beta4/ClusterConfiguration kubelet.config.k8s.io/v1beta1/KubeletConfiguration"
                    : "kubeadm.k8s.io/v1beta4/JoinConfiguration", console.Value("kubeadm", "config"));
                Assert.Equal(token, console.Value("kubeadm", command == "init" ? "init-token-sha256" : "join-token-sha256"));
                if (command == "join")
                {
                    Assert.Equal(secrets.CaCertHash, console.Value("kubeadm", "join-ca-cert-hashes"));
                    Assert.Equal("10.77.0.10:6443", console.Value("kubeadm", "join-endpoint"));
                }

                // The node's other files, where containerd, modprobe and sysctl read them.
                var after = console.Files("after");
                Assert.Equal("644", after["/etc/containerd/config.toml"]?.Mode);
                Assert.Equal("644", after["/etc/modules-load.d/kubernetes.conf"]?.Mode);
                Assert.Equal("644", after["/etc/sysctl.d/90-kubernetes.conf"]?.Mode);
                Assert.Equal("755", after["/usr/local/lib/liquidmetal/kubeadm-bootstrap"]?.Mode);
            }

            Assert.Equal("10.77.0.10:6443", cp1.Value("kubeadm", "control-plane-endpoint"));
            Assert.Equal("yes", cp2.Value("kubeadm", "join-control-plane"));
            Assert.Equal("no", worker.Value("kubeadm", "join-control-plane"));

            // The control planes' files at kubeadm's paths, with kubeadm's modes, holding exactly the sealed CAs and keys.
            foreach (var (console, config) in new[] { (cp1, "/etc/liquidmetal/kubeadm/init.yaml"), (cp2, "/etc/liquidmetal/kubeadm/join.yaml") })
            {
                Assert.Equal("control-plane", console.Value("kubeadm", "role"));
                var files = console.Files("kubeadm");
                Assert.Equal(("600", "root:root"), Of(files[config]));
                foreach (var (name, pem) in secrets.PkiFiles)
                {
                    var file = files[$"/etc/kubernetes/pki/{name}"] ?? throw new InvalidOperationException($"/etc/kubernetes/pki/{name} is absent:\n{console}");
                    Assert.Equal((name.EndsWith(".key", StringComparison.Ordinal) ? "600" : "644", "root:root"), (file.Mode, file.Owner));
                    Assert.True(Sha256(pem) == file.Sha256, $"/etc/kubernetes/pki/{name} is not what the reconciler sealed");
                }

                Assert.Equal(("644", "root:root"), Of(files["/etc/kubernetes/manifests/kube-vip.yaml"]));
            }

            // kube-vip holds the VIP on super-admin.conf while init runs (1.29+: admin.conf has no rights until init has
            // bound its group), and on admin.conf after; a joining control plane never needs super-admin.conf.
            // Inside its container kube-vip reads admin.conf throughout: only the host file behind it changes.
            Assert.Equal("/etc/kubernetes/super-admin.conf mounted-at /etc/kubernetes/admin.conf", cp1.Value("kubeadm", "kube-vip-kubeconfig"));
            Assert.Equal("/etc/kubernetes/admin.conf mounted-at /etc/kubernetes/admin.conf", cp1.Value("after", "kube-vip-kubeconfig"));
            Assert.Equal("/etc/kubernetes/admin.conf mounted-at /etc/kubernetes/admin.conf", cp2.Value("kubeadm", "kube-vip-kubeconfig"));
            Assert.Equal("/etc/kubernetes/admin.conf mounted-at /etc/kubernetes/admin.conf", cp2.Value("after", "kube-vip-kubeconfig"));

            // A worker gets no CA files (kubeadm join refuses a worker that has one) and no kube-vip.
            Assert.Equal("worker", worker.Value("kubeadm", "role"));
            Assert.Null(worker.Files("kubeadm")["/etc/kubernetes/pki/ca.crt"]);
            Assert.Equal(("600", "root:root"), Of(worker.Files("kubeadm")["/etc/liquidmetal/kubeadm/join.yaml"]));
            Assert.Empty(worker.Values("kubeadm", "kube-vip-kubeconfig"));

            // Nor anywhere on the status branch: there the secrets are sealed.
            GitTool.Run(clone, "fetch", "--quiet", "origin", "+refs/heads/liquidmetal/status:refs/remotes/origin/liquidmetal/status");
            Assert.Contains($"bootstrap/clusters/{Cluster}/secrets.age", GitTool.Run(clone, "ls-tree", "-r", "--name-only", "origin/liquidmetal/status"), StringComparison.Ordinal);
            Assert.Equal(string.Empty, Grep(clone, "PRIVATE KEY"));
            Assert.Equal(string.Empty, Grep(clone, secrets.NewestToken.Value));
            Assert.Equal(string.Empty, Grep(clone, secrets.NewestToken.Secret));
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
        }
    }

    private static (string Mode, string Owner) Of((string Mode, string Owner, string Sha256)? file) =>
        file is { } f ? (f.Mode, f.Owner) : throw new InvalidOperationException("the file is absent");

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(text)));

    /// <summary>Lines of any file on the status branch that hold <paramref name="text"/>; empty when none does.</summary>
    private static string Grep(string clone, string text)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = clone, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "grep", "-a", "-F", "-e", text, "origin/liquidmetal/status" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var found = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode is 0 or 1, $"git grep failed: {error}"); // 1: nothing found
        return found;
    }

    private static async Task<ClusterSecrets> ReadSecretsAsync(string url, AgeIdentity identity, string folder)
    {
        await using var mirror = await GitMirror.OpenAsync(Path.Combine(folder, "read.git"), url);
        var tip = (await mirror.SyncAsync(["liquidmetal/status"])).RemoteHeads["liquidmetal/status"];
        var store = new GitBootstrapStore(mirror, "liquidmetal/status", new AgeSecretBox([identity]), new GitSignature("t", "t@example.com", DateTimeOffset.UnixEpoch), TimeProvider.System);
        return (await store.ReadAsync(tip, CancellationToken.None))[Cluster].Secrets;
    }

    private static void WriteFleet(string clone, TwoSleds lab, CloudGuest guest)
    {
        lab.CommitFleet(clone, "kubeadm-test");

        // No bootstrap: LiquidMetal bootstraps the cluster with kubeadm. Two control planes go to two distinct hosts.
        GitTool.CommitFile(clone, $"clusters/{Cluster}.yaml", $$"""
            apiVersion: liquidmetal.dev/v1alpha1
            kind: Cluster
            metadata:
              name: {{Cluster}}
            spec:
              network: lab
              kubernetes: {version: v1.31.2}
              hostSelector:
                matchLabels: {liquidmetal.dev/site: lab}
              controlPlane: {replicas: 2, vcpu: 1, memoryMiB: 512, vip: 10.77.0.10}
              workerPools:
                - {name: workers, replicas: 1, vcpu: 1, memoryMiB: 512}
              image: {kernel: {{guest.Kernel}}, initrd: {{guest.Initrd}}, rootVolume: {{guest.Rootfs}}}

            """, "cluster");
    }
}
