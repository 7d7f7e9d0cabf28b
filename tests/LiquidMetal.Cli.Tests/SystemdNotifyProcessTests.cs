using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace LiquidMetal.Cli.Tests;

/// <summary>
/// The real <c>liquidmetal agent</c> and <c>liquidmetal reconcile</c> processes under the protocol of a systemd
/// <c>Type=notify</c> unit: NOTIFY_SOCKET names a Unix datagram socket this test listens on, as systemd's own does. The
/// daemon says READY=1 once it serves (its port accepts connections) and STOPPING=1 when SIGTERM stops it.
/// </summary>
public sealed class SystemdNotifyProcessTests : IDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("lm-notify-").FullName;
    private readonly List<Process> _started = [];

    [Fact]
    public async Task Agent_NotifySocket_ReadyWhenListeningThenStoppingOnSigterm()
    {
        using var systemd = Listen();
        var process = Start("agent", "--state-dir", Path.Combine(_root, "state"), "--provider", "sim", "--listen", "127.0.0.1:0", "--host-name", "sled-1");

        Assert.Equal("READY=1", await ReceiveAsync(systemd));

        // Ready means serving: the line naming the address is out, and the address takes connections.
        var line = await ReadLineStartingAsync(process, "agent for host sled-1 listening on ");
        var address = new Uri(line.Split(' ')[6]);
        await AssertAcceptsAsync(address.Port);

        await AssertStopsOnSigtermAsync(systemd, process);
    }

    [Fact]
    public async Task Reconcile_NotifySocket_ReadyWhenServingThenStoppingOnSigterm()
    {
        using var systemd = Listen();
        var repo = TestRepos.FleetWithSilentAgents(_root);
        var process = Start("reconcile", "--repo", repo, "--mirror", Path.Combine(_root, "mirror.git"), "--listen", "127.0.0.1:0");

        Assert.Equal("READY=1", await ReceiveAsync(systemd));

        var line = await ReadLineStartingAsync(process, "reconciling ");
        var health = new Uri(line[(line.LastIndexOf(' ') + 1)..]);
        await AssertAcceptsAsync(health.Port);

        await AssertStopsOnSigtermAsync(systemd, process);
    }

    private async Task AssertStopsOnSigtermAsync(Socket systemd, Process process)
    {
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        Assert.True(Kill(process.Id, SigTerm) == 0, $"kill({process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");

        Assert.Equal("STOPPING=1", await ReceiveAsync(systemd));
        await process.WaitForExitAsync().WaitAsync(Patience);
        await stdout;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
    }

    /// <summary>The first line of standard output that starts so; the log lines before it are skipped.</summary>
    private static async Task<string> ReadLineStartingAsync(Process process, string start)
    {
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Patience);
            Assert.True(line is not null, $"the output ended before a line starting '{start}'");
            if (line.StartsWith(start, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    /// <summary>A datagram socket bound where NOTIFY_SOCKET will point, as systemd's notification socket is.</summary>
    private Socket Listen()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(SocketPath));
        return socket;
    }

    private static async Task<string> ReceiveAsync(Socket systemd)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Patience);
        var received = await systemd.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received);
    }

    private static async Task AssertAcceptsAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(Patience);
        Assert.True(client.Connected);
    }

    private string SocketPath => Path.Combine(_root, "notify.sock");

    private Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "liquidmetal.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["NOTIFY_SOCKET"] = SocketPath;
        var process = Process.Start(info)!;
        _started.Add(process);
        return process;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public void Dispose()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }
}
