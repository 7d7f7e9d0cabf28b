using System.Text.Json;
using LiquidMetal.Agent.Core;
using LiquidMetal.Agent.Persistence;
using LiquidMetal.Agent.Providers.Qemu;

namespace LiquidMetal.Agent.Tests.TestHost;

/// <summary>
/// The test assembly run as its own agent process, so a test can kill -9 a real agent:
/// <c>dotnet LiquidMetal.Agent.Tests.dll agent-host STATE_DIR DESIRED_JSON IMAGE_DIR</c>.
/// Prints one <c>STATUS id=State:pid ...</c> line per status change.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["agent-host", var stateDirectory, var desiredPath, var imageDirectory])
        {
            await Console.Error.WriteLineAsync("usage: agent-host STATE_DIR DESIRED_JSON IMAGE_DIR");
            return 2;
        }

        var core = await HostAgentCore.StartAsync(new HostAgentOptions
        {
            StateDirectory = stateDirectory,
            Qemu = new QemuOptions { Accel = QemuAccel.Tcg },
            ImageDirectories = [imageDirectory],
        });
        var desired = JsonSerializer.Deserialize<HostDesiredState>(await File.ReadAllTextAsync(desiredPath), StateJson.Options)!;
        await core.ApplyAsync(desired);
        await foreach (var status in core.WatchAsync())
        {
            Console.WriteLine(Format(status));
        }

        return 0;
    }

    public static string Format(HostStatus status) =>
        "STATUS " + string.Join(' ', status.Vms.Select(vm => $"{vm.Id}={vm.State}:{vm.ProviderDetails.GetValueOrDefault("pid", "-")}"));
}
