using System.Collections.Concurrent;
using LiquidMetal.Agent.Networking;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>The host's devices in memory, for tap lifecycle tests that need no root; records every change in order.</summary>
internal sealed class FakeNetDevices : INetDevices
{
    private readonly ConcurrentDictionary<string, NetDevice> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _changes = new();

    /// <summary>Makes every step on this tap fail, as a broken ip command would.</summary>
    public string? FailJoinFor { get; set; }

    public IReadOnlyList<string> Changes => [.. _changes];

    public IReadOnlyCollection<string> TapNames => [.. _devices.Values.Where(d => d.Kind == NetDeviceKind.Tap).Select(d => d.Name).Order(StringComparer.Ordinal)];

    public FakeNetDevices WithBridge(string name, bool vlanFiltering = false)
    {
        _devices[name] = new NetDevice(name, NetDeviceKind.Bridge, VlanFiltering: vlanFiltering, DefaultPvid: 1);
        return this;
    }

    public FakeNetDevices WithTap(string name, string alias = "", bool held = false)
    {
        _devices[name] = new NetDevice(name, NetDeviceKind.Tap, alias);
        if (held)
        {
            _held[name] = 0;
        }

        return this;
    }

    public NetDevice? Find(string name) => _devices.GetValueOrDefault(name);

    public IReadOnlyList<NetDevice> Taps(string prefix) =>
        [.. _devices.Values.Where(d => d.Kind == NetDeviceKind.Tap && d.Name.StartsWith(prefix, StringComparison.Ordinal))];

    public void CreateTap(string name, string alias)
    {
        if (!_devices.TryAdd(name, new NetDevice(name, NetDeviceKind.Tap, alias)))
        {
            throw new IOException($"cannot create tap {name}: a device of that name exists already");
        }

        _changes.Enqueue($"create {name}");
    }

    public bool RemoveTap(string name)
    {
        if (_held.ContainsKey(name))
        {
            return false;
        }

        _devices.TryRemove(name, out _);
        _changes.Enqueue($"remove {name}");
        return true;
    }

    public Task JoinBridgeAsync(string tap, string bridge, CancellationToken cancellationToken)
    {
        if (tap == FailJoinFor)
        {
            throw new InvalidOperationException($"ip link set dev {tap} master {bridge}: RTNETLINK answers: Operation not supported");
        }

        _devices[tap] = _devices[tap] with { Master = bridge };
        _changes.Enqueue($"join {tap} {bridge}");
        return Task.CompletedTask;
    }

    public Task SetVlanAsync(string tap, int vlan, int defaultPvid, CancellationToken cancellationToken)
    {
        _changes.Enqueue($"vlan {tap} {vlan} drop {defaultPvid}");
        return Task.CompletedTask;
    }

    public Task SetUpAsync(string tap, CancellationToken cancellationToken)
    {
        _changes.Enqueue($"up {tap}");
        return Task.CompletedTask;
    }
}
