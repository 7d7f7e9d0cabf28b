using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Providers;

/// <summary>What a provider needs to start (or find) one VM's VMM.</summary>
/// <param name="Directory">The VM's own folder under the state folder: console log, sockets, user-data.</param>
internal sealed record VmLaunch(VmSpec Spec, string Directory)
{
    /// <summary>Marks the VMM's command line as this VM's, for finding it again after an agent restart.</summary>
    public string Marker => Directory.TrimEnd('/') + "/";

    public string ConsoleLog => Path.Combine(Directory, "console.log");

    /// <summary>The VMM's own standard output and error (its errors, not the guest's).</summary>
    public string VmmLog => Path.Combine(Directory, "vmm.log");
}
