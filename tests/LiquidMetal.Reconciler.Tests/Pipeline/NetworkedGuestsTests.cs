using System.Diagnostics;
using System.Text.RegularExpressions;
using LiquidMetal.Git.Tests;
using LiquidMetal.Reconciler.Pass;
using GitTool = LiquidMetal.Git.Tests.Git;

namespace LiquidMetal.Reconciler.Tests.Pipeline;

/// <summary>
/// Two sleds on one switch, for real: each agent runs as its own `liquidmetal agent` process in its own network
/// namespace with its own bridge br-lab, and the two bridges are joined by a veth pair (the switch). The reconciler
/// (this process, reaching each agent over a management veth) places a two-node cluster on the fleet network, one
/// node per sled; each agent makes the VM's tap on its br-lab and hands the guest a NoCloud data source; cloud-init in
/// a Debian guest (Debian's own cloud-init) sets the rendered hostname and address, and each guest pings the other by
/// its rendered address. Everything is read from the two serial consoles. Runs under TCG where there is no KVM.
/// </summary>
[Collection(CloudGuestCollection.Name)]
public sealed partial class NetworkedGuestsTests
{
    private const string Marker = "LIQUIDMETAL-NET";

    [NetnsFact]
    public async Task Reconcile_TwoSledsTwoGuests_CloudInitGivesEachItsAddressAndTheyPingEachOther()
    {
        var guest = CloudGuest.Build();
        using var daemon = new GitDaemonFixture();
        await using var lab = await TwoSleds.StartAsync(guest.Directory);

        var url = daemon.CreateRepository("fleet");
        var clone = GitTool.Clone(url);
        try
        {
            WriteFleet(clone, lab, guest);
            GitTool.Run(clone, "push", "--quiet", "origin", "main");

            await using var reconciler = await ReconcilePass.OpenAsync(new ReconcilerOptions { RepositoryUrl = url, MirrorPath = Path.Combine(lab.Root, "mirror.git") });
            var clock = Stopwatch.StartNew();
            ReconcileResult result;
            do
            {
                result = await reconciler.RunAsync();
                await Task.Delay(500);
            }
            while (!result.Converged && result.Valid && clock.Elapsed < TimeSpan.FromSeconds(120));

            Assert.True(result.Converged, "not converged: " + string.Join("\n", result.Errors) + "\n" + lab.Logs());

            // Both guests report their own address and hostname, then a ping to the other one that answered.
            var consoles = await lab.WaitForConsolesAsync(
                text => PingOk().IsMatch(text) || text.Contains(Marker + " PING-FAILED", StringComparison.Ordinal),
                TimeSpan.FromSeconds(300));
            var a = consoles["sled-a"];
            var b = consoles["sled-b"];
            Assert.Contains($"{Marker} NODE pair-cp-1 10.77.0.100/24", a);
            Assert.Contains($"{Marker} NODE pair-cp-2 10.77.0.101/24", b);
            Assert.Contains($"{Marker} PING-OK 10.77.0.101", a);
            Assert.Contains($"{Marker} PING-OK 10.77.0.100", b);
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
        }
    }

    [GeneratedRegex(Marker + @" PING-(OK|FAILED) ")]
    private static partial Regex PingOk();

    private static void WriteFleet(string clone, TwoSleds lab, CloudGuest guest)
    {
        lab.CommitFleet(clone, "net-test", search: "lab.example");

        // Two control planes go to two distinct hosts; the rendered addresses are the network's two lowest.
        GitTool.CommitFile(clone, "clusters/pair.yaml", $$$"""
            apiVersion: liquidmetal.dev/v1alpha1
            kind: Cluster
            metadata:
              name: pair
            spec:
              network: lab
              kubernetes: {version: v1.31.2}
              hostSelector:
                matchLabels: {liquidmetal.dev/site: lab}
              controlPlane: {replicas: 2, vcpu: 1, memoryMiB: 512, vip: 10.77.0.10}
              image: {kernel: {{{guest.Kernel}}}, initrd: {{{guest.Initrd}}}, rootVolume: {{{guest.Rootfs}}}}
              bootstrap:
                userData: |
                  #cloud-config
                  runcmd:
                    - echo "{{{Marker}}} NODE $(hostname) $(ip -4 -o addr show dev eth0 | awk '{print $4}')" > /dev/ttyS0
                    - |
                      for peer in 10.77.0.100 10.77.0.101; do
                        [ "$peer" = "{{ node.ipv4 }}" ] && continue
                        for try in $(seq 1 90); do
                          if ping -c 1 -W 1 "$peer" >/dev/null 2>&1; then echo "{{{Marker}}} PING-OK $peer" > /dev/ttyS0; break; fi
                          [ "$try" = 90 ] && echo "{{{Marker}}} PING-FAILED $peer" > /dev/ttyS0
                          sleep 1
                        done
                      done

            """, "cluster");
    }
}

/// <summary>A fact that needs root (network namespaces, bridges, taps) and QEMU; skipped, saying which is missing, elsewhere.</summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':');
        if (!path.Any(d => File.Exists(Path.Combine(d, "qemu-system-x86_64"))))
        {
            Skip = "qemu-system-x86_64 is not installed: run scripts/install-test-deps.sh";
        }
        else if (Environment.UserName != "root" || !path.Any(d => File.Exists(Path.Combine(d, "ip"))))
        {
            Skip = "needs root and iproute2 to make network namespaces, bridges and taps";
        }
    }
}
