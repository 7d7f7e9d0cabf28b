using LiquidMetal.Fleet.Loading;
using LiquidMetal.Fleet.Model;

namespace LiquidMetal.Fleet.Tests.Loading;

public sealed class FleetExampleTests
{
    [Fact]
    public void LoadDirectory_FleetExample_LoadsWithClusterDefaultsResolved()
    {
        var result = FleetLoader.LoadDirectory(FleetFiles.ExampleDirectory);

        LoadAssert.Valid(result);
        var fleet = result.Fleet!;
        Assert.Equal("openedge-lab", fleet.Settings.Name);
        Assert.Equal(["sled-1", "sled-2", "sled-3", "sled-4", "sled-5"], fleet.Hosts.Select(h => h.Name));
        Assert.Equal(["cluster-a", "cluster-b"], fleet.Clusters.Select(c => c.Name));

        var defaultImage = new ImageRef(
            "/var/lib/liquidmetal/images/k8s-v1.31/vmlinuz",
            "/var/lib/liquidmetal/images/k8s-v1.31/initramfs.cpio.gz",
            "/var/lib/liquidmetal/images/k8s-v1.31/rootfs.ext4");
        Assert.Equal(defaultImage, fleet.Settings.DefaultImage);

        // cluster-b says nothing about sizes, image or version: all come from fleet.yaml.
        var b = fleet.Clusters.Single(c => c.Name == "cluster-b");
        Assert.Equal("clusters/cluster-b.yaml", b.File);
        Assert.Equal(new ControlPlaneSpec(3, 2, 4096, "https://10.20.1.11:6443") { Vip = "10.20.1.11" }, b.ControlPlane); // the endpoint defaults to the VIP
        var workers = Assert.Single(b.WorkerPools);
        Assert.Equal(("workers", PoolMode.Microvm, 3, 4, 8192L), (workers.Name, workers.Mode, workers.Replicas, workers.Vcpu, workers.MemoryMiB));
        Assert.Equal(defaultImage, b.Image);
        Assert.Equal("v1.31.2", b.KubernetesVersion);
        Assert.Equal("openedge-lab", b.HostSelector["liquidmetal.dev/site"]);
        Assert.StartsWith("#cloud-config\nhostname: {{ node.name }}\n", b.UserDataTemplate, StringComparison.Ordinal);

        // cluster-a sizes its own; its metal pool takes whole hosts and gets no microVM size.
        var a = fleet.Clusters.Single(c => c.Name == "cluster-a");
        Assert.Equal(new ControlPlaneSpec(3, 2, 4096, "https://10.20.1.10:6443") { Vip = "10.20.1.10" }, a.ControlPlane);
        Assert.Equal(["workers", "upf"], a.WorkerPools.Select(p => p.Name));
        var upf = a.WorkerPools[1];
        Assert.Equal((PoolMode.Metal, 2, 0, 0L), (upf.Mode, upf.Replicas, upf.Vcpu, upf.MemoryMiB));
        Assert.Equal("sriov", upf.HostSelector["liquidmetal.dev/nic"]);

        var sled4 = fleet.Hosts.Single(h => h.Name == "sled-4");
        Assert.Equal((HostRoles.Metal, false), (sled4.Roles, sled4.ControlPlaneAllowed));
        Assert.Equal(new Resources(30, 94208), sled4.Allocatable);
        Assert.Equal("4", sled4.Labels["liquidmetal.dev/sled"]);
        var sled1 = fleet.Hosts.Single(h => h.Name == "sled-1");
        Assert.Equal((HostRoles.Microvm, true, "sled-1", "https://sled-1.openedge-lab.example:7443"), (sled1.Roles, sled1.ControlPlaneAllowed, sled1.FailureDomain, sled1.AgentEndpoint));

        Assert.Equal(2.0, fleet.Settings.CpuOvercommit);
        Assert.Equal(WorkerSpreadPolicy.Spread, fleet.Settings.WorkerSpread);
        Assert.Equal("liquidmetal/status", fleet.Settings.StatusBranch);
        Assert.Equal(VerifyMode.None, fleet.Settings.Verify.Mode);
    }

    [Fact]
    public void Load_FleetExampleInMemory_LoadsTheSameAsFromDisk()
    {
        var fromMemory = FleetFiles.Example().Load();
        var fromDisk = FleetLoader.LoadDirectory(FleetFiles.ExampleDirectory);

        LoadAssert.Valid(fromMemory);
        LoadAssert.Valid(fromDisk);
        Assert.Equal(fromDisk.Fleet!.Settings, fromMemory.Fleet!.Settings with { Verify = fromDisk.Fleet.Settings.Verify });
        Assert.Equal(fromDisk.Fleet.Hosts.Select(h => (h.Name, h.File, h.Capacity, h.Roles)), fromMemory.Fleet.Hosts.Select(h => (h.Name, h.File, h.Capacity, h.Roles)));
        Assert.Equal(
            fromDisk.Fleet.Clusters.Select(c => (c.Name, c.ControlPlane, c.Image, c.KubernetesVersion, c.UserDataTemplate)),
            fromMemory.Fleet.Clusters.Select(c => (c.Name, c.ControlPlane, c.Image, c.KubernetesVersion, c.UserDataTemplate)));
    }
}
