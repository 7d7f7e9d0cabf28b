using System.Text.Json;
using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>Waits on an agent core's status feed, failing with the last status when the wait times out.</summary>
internal static class StatusWaiting
{
    public static async Task<HostStatus> WaitForAsync(this HostAgentCore core, Func<HostStatus, bool> condition, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var last = core.GetStatus();
        try
        {
            await foreach (var status in core.WatchAsync(cancel.Token))
            {
                last = status;
                if (condition(status))
                {
                    return status;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Timed out: reported below with what was seen last.
        }

        throw new TimeoutException($"condition not met within {timeout.TotalSeconds} s; last status: {JsonSerializer.Serialize(last)}");
    }

    public static VmStatus Vm(this HostStatus status, string id) => status.Vms.Single(vm => vm.Id == id);

    public static bool Has(this HostStatus status, string id, VmState state) => status.Vms.Any(vm => vm.Id == id && vm.State == state);
}
