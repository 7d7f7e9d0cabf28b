using LiquidMetal.Fleet.Rendering;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Reconciler.Agents;

/// <summary>A rendered host as the agent's Apply takes it (the only way specs reach the wire).</summary>
internal static class WireSpec
{
    public static Wire.HostSpec From(RenderedHost host, long generation, string fleetRevision)
    {
        var spec = new Wire.HostSpec { Host = host.Host, Generation = generation, FleetRevision = fleetRevision, SpecHash = host.SpecHash };
        foreach (var vm in host.Microvms)
        {
            var wire = new Wire.MicroVmSpec
            {
                Id = vm.Id,
                Cluster = vm.Cluster,
                Pool = vm.Pool,
                Role = vm.Role,
                Vcpu = vm.Vcpu,
                MemoryMib = vm.MemoryMiB,
                Kernel = vm.Kernel,
                Initrd = vm.Initrd,
                RootVolume = vm.RootVolume ?? string.Empty,
                UserData = vm.UserData,
                Hash = vm.Hash,
            };
            wire.Interfaces.AddRange(vm.Interfaces.Select(Nic));
            wire.Metadata.Add(vm.Metadata);
            spec.Microvms.Add(wire);
        }

        if (host.Metal is { } metal)
        {
            spec.Metal = new Wire.MetalAssignment { Node = metal.Node, Cluster = metal.Cluster, Pool = metal.Pool, UserData = metal.UserData, Hash = metal.Hash };
        }

        return spec;
    }

    private static Wire.NetworkInterface Nic(RenderedInterface nic)
    {
        var wire = new Wire.NetworkInterface
        {
            Name = nic.Name,
            Mac = nic.Mac,
            Network = nic.Network,
            Bridge = nic.Bridge,
            Vlan = nic.Vlan,
            Gateway4 = nic.Gateway4,
            Gateway6 = nic.Gateway6,
        };
        wire.Addresses.AddRange(nic.Addresses);
        wire.Nameservers.AddRange(nic.Nameservers);
        wire.SearchDomains.AddRange(nic.SearchDomains);
        return wire;
    }
}
