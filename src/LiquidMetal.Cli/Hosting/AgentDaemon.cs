using LiquidMetal.Agent;
using LiquidMetal.Agent.Service;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Cli.Hosting;

/// <summary>
/// The host agent as a hosted service: loads the state folder (re-adopting the VMs an earlier agent left running),
/// then serves gRPC; stopping stops serving, then supervising. The VMs keep running for the next agent process.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class AgentDaemon(HostAgentOptions options, AgentServerOptions serverOptions, ILoggerFactory logging, TextWriter output) : IHostedService
{
    private HostAgentCore? _core;
    private AgentServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _core = await HostAgentCore.StartAsync(options, logging);
        try
        {
            _server = await AgentServer.StartAsync(_core, options.HostName, serverOptions, logging);
        }
        catch
        {
            // Not serving: let go of the state folder at once, so a corrected start can take it.
            await _core.DisposeAsync();
            _core = null;
            throw;
        }

        // Said once the signal handlers are in place (the host installs them before starting services): whoever reads
        // this line may signal at once.
        await output.WriteLineAsync($"agent for host {options.HostName} listening on {_server.Address} (provider {_core.GetStatus().Provider}, state {_core.StateDirectory})");
        await output.FlushAsync(CancellationToken.None); // serving now: a signal from here on stops it like any other
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_core is not null)
        {
            await _core.DisposeAsync();
            await output.WriteLineAsync($"agent for host {options.HostName} stopping; its VMs keep running");
        }
    }
}
