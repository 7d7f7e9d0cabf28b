using System.Collections.Immutable;
using Google.Protobuf.WellKnownTypes;
using LiquidMetal.Agent.Core;
using Wire = LiquidMetal.Agent.Api.V1;

namespace LiquidMetal.Agent.Service;

/// <summary>Between the wire (agent.proto) and the agent core's records. Empty proto strings mean "not set".</summary>
public static class AgentProto
{
    public static HostDesiredState ToDesired(Wire.HostSpec spec) => new()
    {
        Generation = spec.Generation,
        SpecHash = spec.SpecHash,
        Vms = [.. spec.Microvms.Select(ToVm)],
        Metal = spec.Metal is { } metal && metal.Node.Length > 0
            ? new MetalAssignment { Node = metal.Node, Cluster = metal.Cluster, UserData = metal.UserData, Hash = metal.Hash }
            : null,
    };

    public static VmSpec ToVm(Wire.MicroVmSpec vm) => new()
    {
        Id = vm.Id,
        Cluster = vm.Cluster,
        Role = vm.Role,
        Vcpu = vm.Vcpu,
        MemoryMiB = vm.MemoryMib,
        Kernel = vm.Kernel,
        Initrd = NullIfEmpty(vm.Initrd),
        RootVolume = NullIfEmpty(vm.RootVolume),
        UserData = vm.UserData,
        ContentHash = vm.Hash,
        Nics = [.. vm.Interfaces.Select((nic, index) => ToNic(vm.Id, nic, index))],
        Metadata = Metadata(vm),
    };

    /// <summary>A rendered NIC, with the host tap the agent will make for it (named from the VM id and the NIC's position).</summary>
    public static VmNic ToNic(string vmId, Wire.NetworkInterface nic, int index) => new()
    {
        Name = nic.Name,
        Mac = nic.Mac,
        Tap = Networking.TapNames.For(vmId, index),
        Network = nic.Network,
        Bridge = nic.Bridge,
        Vlan = nic.Vlan,
        Addresses = [.. nic.Addresses],
        Gateway4 = nic.Gateway4,
        Gateway6 = nic.Gateway6,
        Nameservers = [.. nic.Nameservers],
        SearchDomains = [.. nic.SearchDomains],
    };

    public static Wire.HostStatus ToProto(HostStatus status, string host)
    {
        var message = new Wire.HostStatus
        {
            Host = host,
            ObservedGeneration = status.ObservedGeneration,
            Capacity = new Wire.Resources { Cpu = status.Capacity.Cpu, MemoryMib = status.Capacity.MemoryMiB },
            Allocated = new Wire.Resources { Cpu = status.Capacity.AllocatedVcpu, MemoryMib = status.Capacity.AllocatedMemoryMiB },
            AgentVersion = status.AgentVersion,
            Provider = status.Provider,
            Accel = Accel(status.Provider),
            ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            SpecHash = status.SpecHash,
        };
        foreach (var vm in status.Vms)
        {
            message.Vms.Add(new Wire.VmStatus
            {
                Id = vm.Id,
                Cluster = vm.Cluster,
                State = vm.State switch
                {
                    VmState.Pending => Wire.VmState.Pending,
                    VmState.Creating => Wire.VmState.Creating,
                    VmState.Running => Wire.VmState.Running,
                    VmState.Failed => Wire.VmState.Failed,
                    VmState.Deleting => Wire.VmState.Deleting,
                    _ => Wire.VmState.Unspecified,
                },
                Reason = vm.Reason,
                Since = Timestamp.FromDateTimeOffset(vm.Since),
                Restarts = vm.Restarts,
                Hash = vm.Hash,
            });
        }

        if (status.Metal is { } metal)
        {
            message.Metal = new Wire.MetalStatus
            {
                Node = metal.Node,
                Hash = metal.Hash,
                State = metal.State switch
                {
                    MetalState.Bootstrapping => Wire.MetalState.Bootstrapping,
                    MetalState.Succeeded => Wire.MetalState.Ready,
                    MetalState.Failed => Wire.MetalState.Failed,
                    MetalState.Releasing => Wire.MetalState.Resetting,
                    _ => Wire.MetalState.Unspecified,
                },
                Reason = metal.Reason,
                Since = Timestamp.FromDateTimeOffset(metal.Since),
            };
        }

        return message;
    }

    /// <summary>The rendered metadata (empty values dropped), and the pool when the renderer did not already say it.</summary>
    private static ImmutableSortedDictionary<string, string> Metadata(Wire.MicroVmSpec vm)
    {
        var metadata = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in vm.Metadata.Where(kv => kv.Value.Length > 0))
        {
            metadata[key] = value;
        }

        if (vm.Pool.Length > 0 && !metadata.ContainsKey("liquidmetal.dev/pool"))
        {
            metadata["liquidmetal.dev/pool"] = vm.Pool;
        }

        return metadata.ToImmutable();
    }

    /// <summary>"qemu (tcg)" gives "tcg"; providers without an accelerator give "".</summary>
    private static string Accel(string provider)
    {
        var open = provider.IndexOf('(');
        var close = provider.IndexOf(')');
        return open >= 0 && close > open ? provider[(open + 1)..close] : string.Empty;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
