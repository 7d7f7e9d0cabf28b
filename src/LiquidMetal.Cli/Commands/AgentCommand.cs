using System.CommandLine;
using System.Net;
using LiquidMetal.Agent;
using LiquidMetal.Agent.Persistence;
using LiquidMetal.Agent.Providers.Qemu;
using LiquidMetal.Agent.Service;
using LiquidMetal.Cli.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Cli.Commands;

/// <summary><c>liquidmetal agent</c>: the host agent daemon. Runs until SIGTERM or Ctrl+C; its VMs keep running after it stops.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class AgentCommand
{
    public static Command Create()
    {
        var stateDir = new Option<string>("--state-dir") { Description = "Where desired and observed state and each VM's folder live", Required = true };
        var listen = new Option<string>("--listen") { Description = "address:port to serve gRPC on (port 0: any free port)", DefaultValueFactory = _ => "127.0.0.1:7443" };
        var hostName = new Option<string>("--host-name") { Description = "The host's name in the fleet (specs for other hosts are refused)", DefaultValueFactory = _ => Environment.MachineName };
        var provider = new Option<string>("--provider") { Description = "qemu, firecracker or sim (simulated VMs, for load tests)", DefaultValueFactory = _ => "qemu" };
        provider.AcceptOnlyFromAmong("qemu", "firecracker", "sim");
        var accel = new Option<string>("--accel") { Description = "QEMU accelerator: auto probes KVM and falls back to tcg", DefaultValueFactory = _ => "auto" };
        accel.AcceptOnlyFromAmong("auto", "kvm", "tcg");
        var imageDirs = new Option<string[]>("--image-dir") { Description = "A folder kernels, initrds and root volumes may come from (repeat for more)", AllowMultipleArgumentsPerToken = false };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM server certificate" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert" };
        var clientCa = new Option<string?>("--client-ca") { Description = "Require client certificates issued by this CA (mutual TLS)" };
        var tokenFile = new Option<string?>("--token-file") { Description = "Require 'authorization: Bearer <token>' with the token in this file" };
        var insecure = new Option<bool>("--insecure") { Description = "Allow plaintext HTTP/2 on a non-loopback address" };
        var bootstrapHook = new Option<string?>("--bootstrap-hook") { Description = "Run once per metal assignment, user-data on stdin" };
        var resetHook = new Option<string?>("--reset-hook") { Description = "Run when a metal assignment is released" };
        var cpu = new Option<int?>("--cpu") { Description = "CPUs to offer (default: all)" };
        var memory = new Option<long?>("--memory-mib") { Description = "Memory to offer in MiB (default: all)" };
        var bridge = new Option<string?>("--bridge") { Description = "Host bridge a VM NIC joins when its spec names none (e.g. br0); without it such NICs stay unconnected" };
        var otlp = new Option<string?>("--otlp-endpoint") { Description = "Export the agent's metrics (VMs by state, restarts, Apply calls) by OTLP/gRPC to this endpoint" };
        var bootDeadline = new Option<int>("--boot-deadline") { Description = "Seconds a guest may take to print its ready marker", DefaultValueFactory = _ => 60 };

        var command = new Command("agent", "Run the host agent: apply desired state from the reconciler, boot and supervise microVMs, report status over gRPC.")
        {
            stateDir, listen, hostName, provider, accel, imageDirs, tlsCert, tlsKey, clientCa, tokenFile, insecure, bootstrapHook, resetHook, cpu, memory, bridge, bootDeadline, otlp,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var telemetry = Output.Telemetry.Start(parse.GetValue(otlp), "liquidmetal-agent", null, AgentTelemetry.Name);
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint))
            {
                await Console.Error.WriteLineAsync($"--listen {parse.GetValue(listen)}: expected address:port, e.g. 0.0.0.0:7443");
                return ExitCodes.Invalid;
            }

            var options = new HostAgentOptions
            {
                StateDirectory = parse.GetValue(stateDir)!,
                HostName = parse.GetValue(hostName)!,
                Provider = parse.GetValue(provider) switch { "sim" => ProviderKind.Sim, "firecracker" => ProviderKind.Firecracker, _ => ProviderKind.Qemu },
                Qemu = new QemuOptions { Accel = parse.GetValue(accel) switch { "kvm" => QemuAccel.Kvm, "tcg" => QemuAccel.Tcg, _ => QemuAccel.Auto } },
                ImageDirectories = parse.GetValue(imageDirs) ?? [],
                BootstrapHook = parse.GetValue(bootstrapHook),
                ResetHook = parse.GetValue(resetHook),
                CpuCapacity = parse.GetValue(cpu),
                MemoryCapacityMiB = parse.GetValue(memory),
                BootDeadline = TimeSpan.FromSeconds(parse.GetValue(bootDeadline)),
                Bridge = parse.GetValue(bridge),
            };
            var server = new AgentServerOptions
            {
                Listen = endpoint,
                CertificateFile = parse.GetValue(tlsCert),
                KeyFile = parse.GetValue(tlsKey),
                ClientCaFile = parse.GetValue(clientCa),
                BearerToken = parse.GetValue(tokenFile) is { } file ? File.ReadAllText(file).Trim() : null,
                AllowInsecure = parse.GetValue(insecure),
            };
            return await RunAsync(options, server, Console.Out, Console.Error, cancellationToken);
        });
        return command;
    }

    internal static async Task<int> RunAsync(HostAgentOptions options, AgentServerOptions serverOptions, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        }));
        var builder = DaemonHost.CreateBuilder(loggerFactory);
        builder.Services.AddHostedService(_ => new AgentDaemon(options, serverOptions, loggerFactory, output));
        using var host = builder.Build();
        try
        {
            await DaemonHost.RunAsync(host, cancellationToken);
        }
        catch (Exception e) when (e is StateDirectoryInUseException or ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException
                                   or System.Security.Cryptography.CryptographicException)
        {
            await error.WriteLineAsync("agent: " + e.Message);
            return ExitCodes.Failed;
        }

        return ExitCodes.Ok;
    }
}
