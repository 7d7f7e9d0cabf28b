using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LiquidMetal.Git.Tests;

/// <summary>A real git server on loopback (git daemon with push enabled) serving bare repositories from a temp folder.</summary>
public sealed class GitDaemonFixture : IDisposable
{
    private readonly Process _daemon;

    public GitDaemonFixture()
    {
        Root = Directory.CreateTempSubdirectory("lm-git-daemon-").FullName;
        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort();
            _daemon = Process.Start(new ProcessStartInfo("git",
                ["daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", "--listen=127.0.0.1", $"--port={Port}", $"--base-path={Root}", Root])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            if (WaitForListener(Port))
            {
                return;
            }

            _daemon.Kill();
            if (attempt == 3)
            {
                throw new InvalidOperationException("git daemon did not start: " + _daemon.StandardError.ReadToEnd());
            }
        }
    }

    public string Root { get; }

    public int Port { get; }

    /// <summary>Creates an empty bare repository on the server and returns its git:// URL.</summary>
    public string CreateRepository(string name)
    {
        Git.Run(Root, "init", "--quiet", "--bare", "--initial-branch=main", name + ".git");
        return $"git://127.0.0.1:{Port}/{name}.git";
    }

    public void Dispose()
    {
        _daemon.Kill(entireProcessTree: true);
        _daemon.WaitForExit();
        _daemon.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool WaitForListener(int port)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }

        return false;
    }
}
