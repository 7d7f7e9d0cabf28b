using System.Net.Sockets;
using System.Text;

namespace LiquidMetal.Agent.Providers.Qemu;

/// <summary>Just enough of QMP (QEMU's JSON monitor protocol) to press the ACPI power button.</summary>
internal static class QmpClient
{
    public static async Task SystemPowerdownAsync(string socketPath, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.UTF8);

        await reader.ReadLineAsync(cancellationToken); // the greeting
        await SendAsync(stream, "{\"execute\":\"qmp_capabilities\"}", cancellationToken);
        await ReadReturnAsync(reader, cancellationToken);
        await SendAsync(stream, "{\"execute\":\"system_powerdown\"}", cancellationToken);
        await ReadReturnAsync(reader, cancellationToken);
    }

    private static async Task SendAsync(NetworkStream stream, string command, CancellationToken cancellationToken) =>
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken);

    // Events (POWERDOWN, SHUTDOWN) may arrive before the command's answer.
    private static async Task ReadReturnAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Contains("\"return\"", StringComparison.Ordinal))
            {
                return;
            }

            if (line.Contains("\"error\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("QMP refused the command: " + line);
            }
        }

        throw new IOException("QMP closed the connection before answering");
    }
}
