using LiquidMetal.Agent.Core;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Networking;

/// <summary>
/// The agent's taps: made (persistent, marked as this agent's) on their bridges before a VMM starts, and removed when
/// the VMM is gone. The VMM opens the existing tap; it never creates one. Measure with <see cref="NicPlanner"/>, then act.
/// </summary>
internal sealed partial class TapNetwork(INetDevices devices, string agentMark, string? defaultBridge, ILogger logger) : IHostNetwork
{
    public async Task PrepareAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        var plan = NicPlanner.Plan(spec, defaultBridge, devices.Find);
        if (plan.Refusal is { } refusal)
        {
            throw new HostNetworkException(refusal);
        }

        var made = new List<string>();
        try
        {
            foreach (var setup in plan.Taps)
            {
                devices.CreateTap(setup.Tap, TapOwner.Alias(agentMark, spec.Id));
                made.Add(setup.Tap);
                if (setup.Bridge is { } bridge)
                {
                    await devices.JoinBridgeAsync(setup.Tap, bridge, cancellationToken);
                    if (setup.Vlan != 0)
                    {
                        await devices.SetVlanAsync(setup.Tap, setup.Vlan, setup.DefaultPvid, cancellationToken);
                    }
                }

                // Up last: the port carries nothing before its VLAN is right (and nothing at all before the VMM opens it).
                await devices.SetUpAsync(setup.Tap, cancellationToken);
                Log.TapReady(logger, spec.Id, setup.Tap, setup.Nic, setup.Bridge ?? "(none)", setup.Vlan);
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            foreach (var tap in made)
            {
                Remove(spec.Id, tap);
            }

            throw new HostNetworkException($"could not set up the VM's taps: {e.Message}", e);
        }
    }

    public Task ReleaseAsync(string vmId, CancellationToken cancellationToken)
    {
        foreach (var tap in NicPlanner.Owned(List(), agentMark, vm => vm == vmId))
        {
            Remove(vmId, tap);
        }

        return Task.CompletedTask;
    }

    public Task SweepAsync(IReadOnlySet<string> knownVmIds, CancellationToken cancellationToken)
    {
        var taps = List();
        foreach (var tap in NicPlanner.Owned(taps, agentMark, vm => !knownVmIds.Contains(vm)))
        {
            Remove(TapOwner.VmOf(taps.First(t => t.Name == tap).Alias, agentMark)!, tap);
        }

        return Task.CompletedTask;
    }

    private IReadOnlyList<NetDevice> List()
    {
        try
        {
            return devices.Taps(TapNames.Prefix);
        }
        catch (IOException e)
        {
            Log.ListFailed(logger, e.Message);
            return [];
        }
    }

    private void Remove(string vmId, string tap)
    {
        try
        {
            if (devices.RemoveTap(tap))
            {
                Log.TapRemoved(logger, vmId, tap);
            }
            else
            {
                Log.TapBusy(logger, vmId, tap);
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            Log.RemoveFailed(logger, vmId, tap, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "VM {VmId}: tap {Tap} for {Nic} made on bridge {Bridge} (VLAN {Vlan})")]
        public static partial void TapReady(ILogger logger, string vmId, string tap, string nic, string bridge, int vlan);

        [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "VM {VmId}: tap {Tap} removed")]
        public static partial void TapRemoved(ILogger logger, string vmId, string tap);

        [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "VM {VmId}: tap {Tap} is still held by a process (a VMM?); left in place")]
        public static partial void TapBusy(ILogger logger, string vmId, string tap);

        [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "VM {VmId}: could not remove tap {Tap}: {Error}")]
        public static partial void RemoveFailed(ILogger logger, string vmId, string tap, string error);

        [LoggerMessage(EventId = 405, Level = LogLevel.Warning, Message = "could not list the host's taps: {Error}")]
        public static partial void ListFailed(ILogger logger, string error);
    }
}
