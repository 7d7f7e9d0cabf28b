using System.Diagnostics;
using LiquidMetal.Fleet.Kubernetes;
using LiquidMetal.Fleet.Model;
using LiquidMetal.Fleet.Planning;
using LiquidMetal.Fleet.Rendering;
using LiquidMetal.Fleet.Tests.Loading;

namespace LiquidMetal.Fleet.Tests.Kubernetes;

/// <summary>
/// Clusters without spec.bootstrap are kubeadm clusters: their versions are checked against the releases this build
/// knows, and every node gets cloud-config that Debian's cloud-init accepts, with secrets only as slots.
/// </summary>
public sealed class KubeadmRenderTests
{
    private const string ClusterB = "clusters/cluster-b.yaml";

    /// <summary>The example fleet with cluster-b's user-data template removed: a kubeadm cluster with VIP 10.20.1.11.</summary>
    private static FleetFiles KubeadmExample()
    {
        var files = FleetFiles.Example();
        var text = files[ClusterB];
        var start = text.IndexOf("  bootstrap:", StringComparison.Ordinal);
        var end = text.IndexOf("  network:", start, StringComparison.Ordinal);
        files[ClusterB] = text[..start] + text[end..];
        return files;
    }

    private static Dictionary<string, RenderedVm> Render(FleetFiles files)
    {
        var compiled = FleetCompiler.Compile(files.ToList());
        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics));
        return compiled.Hosts.SelectMany(h => h.Microvms).ToDictionary(vm => vm.Id);
    }

    [Fact]
    public void Load_ClusterWithoutBootstrap_IsKubeadmWithTheRelease()
    {
        var result = KubeadmExample().Load();

        LoadAssert.Valid(result);
        var b = result.Fleet!.Clusters.Single(c => c.Name == "cluster-b");
        Assert.Equal(BootstrapMode.Kubeadm, b.Bootstrap);
        Assert.Equal(new KubernetesRelease(KubernetesDistribution.Upstream, "v1.31.2", 31, 2), b.Release);
        Assert.Equal(BootstrapMode.UserData, result.Fleet.Clusters.Single(c => c.Name == "cluster-a").Bootstrap);
    }

    [Fact]
    public void Load_BootstrapKubeadmWrittenOut_IsKubeadm()
    {
        var files = FleetFiles.Example();
        var text = files[ClusterB];
        var start = text.IndexOf("  bootstrap:", StringComparison.Ordinal);
        files[ClusterB] = text[..start] + "  bootstrap: kubeadm\n" + text[text.IndexOf("  network:", start, StringComparison.Ordinal)..];

        var result = files.Load();

        LoadAssert.Valid(result);
        Assert.Equal(BootstrapMode.Kubeadm, result.Fleet!.Clusters.Single(c => c.Name == "cluster-b").Bootstrap);
    }

    [Fact]
    public void Load_UnknownBootstrapWord_OneErrorNamingBothShapes()
    {
        var files = FleetFiles.Example();
        var text = files[ClusterB];
        var start = text.IndexOf("  bootstrap:", StringComparison.Ordinal);
        files[ClusterB] = text[..start] + "  bootstrap: kubeadmm\n" + text[text.IndexOf("  network:", start, StringComparison.Ordinal)..];

        LoadAssert.Single(files.Load(), files.At(ClusterB, "kubeadmm"), "spec.bootstrap: 'kubeadmm' is not allowed; expected kubeadm (the default)");
    }

    [Fact]
    public void Load_UnknownPatchOnTheCluster_ErrorAtItsVersionListingWhatIsKnown()
    {
        var files = KubeadmExample();
        files.Replace(ClusterB, "spec:\n", "spec:\n  kubernetes:\n    version: v1.31.99\n");

        LoadAssert.Single(files.Load(), files.At(ClusterB, "v1.31.99"), "cluster cluster-b: unknown Kubernetes version v1.31.99 (upstream); supported: v1.29.0-v1.29.15");
    }

    [Fact]
    public void Load_UnknownVersionFromTheFleetDefault_ErrorAtTheDefaultForEachKubeadmClusterOnly()
    {
        var files = KubeadmExample();
        files.Replace("fleet.yaml", "kubernetesVersion: v1.31.2", "kubernetesVersion: v1.27.3");

        // cluster-a keeps its own user-data: its version is only a template value there.
        LoadAssert.Single(files.Load(), files.At("fleet.yaml", "v1.27.3"), "cluster cluster-b: unknown Kubernetes version v1.27.3");
    }

    [Theory]
    [InlineData("upstream", "v1.31.2-eks-1-31-8", "is an EKS Distro version: set spec.kubernetes.distribution: eks-d")]
    [InlineData("eks-d", "v1.31.2", "EKS Distro versions carry their EKS-D release: write v1.31.2-eks-1-31-<build>")]
    [InlineData("eks-d", "v1.31.2-eks-1-30-8", "names Kubernetes 1.31 but EKS-D release 1-30")]
    public void Load_DistributionAndVersionDisagree_ErrorSaysWhatWouldBeRight(string distribution, string version, string message)
    {
        var files = KubeadmExample();
        files.Replace(ClusterB, "spec:\n", $"spec:\n  kubernetes:\n    distribution: {distribution}\n    version: {version}\n");

        LoadAssert.Single(files.Load(), files.At(ClusterB, version), message);
    }

    [Fact]
    public void Load_EksDVersion_ResolvesToTheEksRepositories()
    {
        var files = KubeadmExample();
        files.Replace(ClusterB, "spec:\n", "spec:\n  kubernetes:\n    distribution: eks-d\n    version: v1.31.2-eks-1-31-8\n");

        var cp = Render(files)["cluster-b-cp-1"].UserData;

        Assert.Contains("kubernetesVersion: v1.31.2-eks-1-31-8\n", cp, StringComparison.Ordinal);
        Assert.Contains("imageRepository: public.ecr.aws/eks-distro/kubernetes\n", cp, StringComparison.Ordinal);
        Assert.Contains("imageRepository: public.ecr.aws/eks-distro/etcd-io\n", cp, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PodAndServiceSubnetsOverlap_ErrorAtTheServiceSubnet()
    {
        var files = KubeadmExample();
        files.Replace(ClusterB, "spec:\n", "spec:\n  kubernetes:\n    podSubnet: 10.96.0.0/16\n    serviceSubnet: 10.96.0.0/12\n");

        LoadAssert.Single(files.Load(), files.At(ClusterB, "10.96.0.0/12"), "serviceSubnet 10.96.0.0/12 overlaps podSubnet 10.96.0.0/16");
    }

    [Fact]
    public void Render_ControlPlane_CasAsSlotsInitAndJoinConfigsAndKubeVipOnTheVip()
    {
        var vms = Render(KubeadmExample());
        var cp = vms["cluster-b-cp-1"];
        var address = cp.Interfaces[0].Ipv4Address!;

        Assert.StartsWith("#cloud-config\n", cp.UserData, StringComparison.Ordinal);
        foreach (var slot in new[] { SecretSlots.ClusterCaKey, SecretSlots.EtcdCaKey, SecretSlots.FrontProxyCaKey, SecretSlots.ServiceAccountKey, SecretSlots.BootstrapToken, SecretSlots.CaCertHash, SecretSlots.ControlPlanePhase })
        {
            Assert.Contains(SecretSlots.Slot(slot), cp.UserData, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("PRIVATE KEY", cp.UserData, StringComparison.Ordinal);
        Assert.Contains("kind: InitConfiguration", cp.UserData, StringComparison.Ordinal);
        Assert.Contains("controlPlaneEndpoint: \"10.20.1.11:6443\"", cp.UserData, StringComparison.Ordinal);
        Assert.Contains($"advertiseAddress: \"{address}\"", cp.UserData, StringComparison.Ordinal);
        Assert.Contains("- { name: address, value: \"10.20.1.11\" }", cp.UserData, StringComparison.Ordinal);
        Assert.Contains("- { name: vip_arp, value: \"true\" }", cp.UserData, StringComparison.Ordinal);
        Assert.Contains("kubeadm.k8s.io/v1beta4", cp.UserData, StringComparison.Ordinal);
        Assert.Contains("sed -i 's#path: /etc/kubernetes/admin.conf#path: /etc/kubernetes/super-admin.conf#'", cp.UserData, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Worker_JoinsWithTokenAndCaHashOnly()
    {
        var worker = Render(KubeadmExample())["cluster-b-workers-1"].UserData;

        Assert.Equal([SecretSlots.BootstrapToken, SecretSlots.CaCertHash], SecretSlots.Find(worker));
        Assert.DoesNotContain("InitConfiguration", worker, StringComparison.Ordinal);
        Assert.DoesNotContain("kube-vip", worker, StringComparison.Ordinal);
        Assert.Contains("kubeadm join --config /etc/liquidmetal/kubeadm/join.yaml\n", worker, StringComparison.Ordinal);
        Assert.EndsWith("runcmd:\n  - [/usr/local/lib/liquidmetal/kubeadm-bootstrap, \"join\"]\n", worker, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Kubernetes130_KubeadmV1beta3WithTheMapFormOfKubeletArgs()
    {
        var files = KubeadmExample();
        files.Replace(ClusterB, "spec:\n", "spec:\n  kubernetes:\n    version: v1.30.4\n");

        var cp = Render(files)["cluster-b-cp-1"].UserData;

        Assert.Contains("apiVersion: kubeadm.k8s.io/v1beta3\n", cp, StringComparison.Ordinal);
        Assert.DoesNotContain("v1beta4", cp, StringComparison.Ordinal);
        Assert.Contains("kubeletExtraArgs:\n          node-ip: \"", cp, StringComparison.Ordinal);
        Assert.Contains("sandbox_image = \"registry.k8s.io/pause:3.9\"", cp, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SameFleetTwice_ByteIdentical()
    {
        var first = Render(KubeadmExample());
        var second = Render(KubeadmExample());

        Assert.All(first, pair => Assert.Equal(pair.Value.UserData, second[pair.Key].UserData));
    }

    [Fact]
    public void Plan_VersionChange_ControlPlanesOneAtATimeKeepingQuorumThenWorkers()
    {
        var files = KubeadmExample();
        var before = FleetCompiler.Compile(files.ToList());
        files.Replace(ClusterB, "spec:\n", "spec:\n  kubernetes:\n    version: v1.32.1\n");
        var after = FleetCompiler.Compile(files.ToList());

        var plan = Planner.Diff(before.Hosts, after.Hosts, after.Fleet!);

        var rollout = Assert.Single(plan.Rollouts);
        Assert.Equal(["cluster-b-cp-1", "cluster-b-cp-2", "cluster-b-cp-3"], rollout.ControlPlaneOrder.ToArray());
        Assert.Equal(["cluster-b-workers-1", "cluster-b-workers-2", "cluster-b-workers-3"], rollout.Workers.ToArray());
        Assert.Equal(
            "cluster-b: Kubernetes v1.31.2 -> v1.32.1: control planes replaced one at a time (cluster-b-cp-1, cluster-b-cp-2, cluster-b-cp-3); "
            + "at least 2 of 3 run throughout, never below etcd's quorum of 2; then its 3 worker(s), once every control plane runs the new spec",
            rollout.Describe());
        Assert.Contains("Rollout:\n  cluster-b: Kubernetes v1.31.2 -> v1.32.1", PlanWriter.Text(plan), StringComparison.Ordinal);
        Assert.Contains("\"workersWait\": true", PlanWriter.JsonText(plan), StringComparison.Ordinal);
        Assert.Contains("**Rollout:**", PlanWriter.Markdown(plan), StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_OneControlPlane_SaysTheApiIsDownWhileItIsReplaced()
    {
        var files = KubeadmExample();
        files.Replace(ClusterB, "replicas: 3\n    vip", "replicas: 1\n    vip");
        var before = FleetCompiler.Compile(files.ToList());
        files.Replace(ClusterB, "spec:\n", "spec:\n  kubernetes:\n    version: v1.32.1\n");
        var after = FleetCompiler.Compile(files.ToList());

        var rollout = Assert.Single(Planner.Diff(before.Hosts, after.Hosts, after.Fleet!).Rollouts);

        Assert.Contains("its only control plane is replaced, so its API is down while the new one boots", rollout.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ImagePathsWithReleaseVariables_EachClusterGetsItsReleasesGuestImage()
    {
        var files = KubeadmExample();
        files.Replace("fleet.yaml", "/var/lib/liquidmetal/images/k8s-v1.31/vmlinuz", "/var/lib/liquidmetal/images/{{ kubernetes.guestImage }}/vmlinuz");
        files.Replace("fleet.yaml", "/var/lib/liquidmetal/images/k8s-v1.31/rootfs.ext4", "/var/lib/liquidmetal/images/{{ kubernetes.distribution }}/{{ kubernetes.version }}.ext4");
        files.Replace(ClusterB, "spec:\n", "spec:\n  kubernetes:\n    distribution: eks-d\n    version: v1.32.1-eks-1-32-3\n");

        var vms = Render(files);

        Assert.Equal("/var/lib/liquidmetal/images/upstream-1.31/vmlinuz", vms["cluster-a-cp-1"].Kernel);
        Assert.Equal("/var/lib/liquidmetal/images/eks-d-1.32/vmlinuz", vms["cluster-b-cp-1"].Kernel);
        Assert.Equal("/var/lib/liquidmetal/images/eks-d/v1.32.1-eks-1-32-3.ext4", vms["cluster-b-cp-1"].RootVolume);
    }

    [Fact]
    public void Load_ImagePathWithAnUnknownVariable_ErrorAtTheDefaultImage()
    {
        var files = KubeadmExample();
        files.Replace("fleet.yaml", "k8s-v1.31/vmlinuz", "{{ kubernetes.guest }}/vmlinuz");

        var result = files.Load();

        Assert.Contains(result.Diagnostics, d => d.Location == files.At("fleet.yaml", "/var/lib/liquidmetal/images/{{")
            && d.Message.Contains("image kernel uses '{{ kubernetes.guest }}', which image paths do not have; they have kubernetes.distribution, kubernetes.guestImage", StringComparison.Ordinal));
    }

    [Fact]
    public void Fill_EverySlotReplaced_AndAMissingValueRefused()
    {
        var text = "a " + SecretSlots.Slot("x") + " b " + SecretSlots.Slot("y") + " " + SecretSlots.Slot("x");

        Assert.Equal("a 1 b 2 1", SecretSlots.Fill(text, new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" }));
        var missing = Assert.Throws<KeyNotFoundException>(() => SecretSlots.Fill(text, new Dictionary<string, string> { ["x"] = "1" }));
        Assert.Contains("'y'", missing.Message, StringComparison.Ordinal);
        Assert.Equal("plain", SecretSlots.Fill("plain", new Dictionary<string, string>()));
    }

    /// <summary>Debian's cloud-init and a YAML parser that is not ours read every node's rendered user-data and the kubeadm files in it.</summary>
    [CloudInitFact]
    public void Render_EveryNodesCloudConfig_PassesCloudInitSchemaAndItsKubeadmFilesParse()
    {
        var files = KubeadmExample();
        files.Replace(ClusterB, "  workerPools:\n", "  workerPools:\n    - name: edge\n      mode: metal\n      replicas: 1\n      hostSelector:\n        matchLabels:\n          liquidmetal.dev/nic: sriov\n");
        files.Replace("clusters/cluster-a.yaml", "replicas: 2\n      hostSelector", "replicas: 1\n      hostSelector");
        var compiled = FleetCompiler.Compile(files.ToList());
        Assert.True(compiled.Succeeded, string.Join("\n", compiled.Diagnostics));
        var userData = compiled.Hosts.SelectMany(h => h.Microvms).Where(vm => vm.Cluster == "cluster-b").Select(vm => (vm.Id, vm.UserData))
            .Concat(compiled.Hosts.Where(h => h.Metal?.Cluster == "cluster-b").Select(h => (h.Metal!.Node, h.Metal.UserData)))
            .ToList();
        Assert.Contains(userData, u => u.Item1 == "cluster-b-edge-1"); // the metal worker gets the same join data

        using var dir = new TempDirectory();
        foreach (var (node, text) in userData)
        {
            var path = dir.Combine(node + ".yaml");
            File.WriteAllText(path, text);
            var (exit, output) = Run("cloud-init", "schema", "--config-file", path);
            Assert.True(exit == 0 && output.Contains("Valid cloud-config", StringComparison.Ordinal), node + ": " + output);

            // Every file kubeadm reads is YAML of the kinds it expects.
            var (parsed, kinds) = Run("python3", "-c", """
                import sys, yaml
                config = yaml.safe_load(open(sys.argv[1]))
                for f in config["write_files"]:
                    if f["path"].startswith("/etc/liquidmetal/kubeadm/") or f["path"].endswith("kube-vip.yaml"):
                        print(f["path"], ",".join(d["kind"] for d in yaml.safe_load_all(f["content"])))
                """, path);
            Assert.True(parsed == 0, kinds);
            var expected = node.Contains("-cp-", StringComparison.Ordinal)
                ? "/etc/liquidmetal/kubeadm/init.yaml InitConfiguration,ClusterConfiguration,KubeletConfiguration\n/etc/liquidmetal/kubeadm/join.yaml JoinConfiguration\n/etc/kubernetes/manifests/kube-vip.yaml Pod\n"
                : "/etc/liquidmetal/kubeadm/join.yaml JoinConfiguration\n";
            Assert.Equal(expected, kinds);
        }
    }

    private static (int Exit, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + errors.Result);
    }
}

/// <summary>A test that needs Debian's cloud-init (scripts/install-test-deps.sh installs it); skipped, saying so, without it.</summary>
public sealed class CloudInitFactAttribute : FactAttribute
{
    public CloudInitFactAttribute()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "cloud-init")));
        if (!found)
        {
            Skip = "cloud-init is not installed (scripts/install-test-deps.sh installs it)";
        }
    }
}
