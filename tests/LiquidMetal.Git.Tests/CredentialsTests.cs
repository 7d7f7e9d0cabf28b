using System.Net;
using System.Text;

namespace LiquidMetal.Git.Tests;

/// <summary>An HTTPS token reaches the server as basic auth, and never any git process's arguments or an error message.</summary>
public sealed class CredentialsTests : IDisposable
{
    private const string Token = "lm-test-token-5f2c9a";
    private readonly string _mirrorPath = Path.Combine(Directory.CreateTempSubdirectory("lm-cred-").FullName, "fleet.git");

    [Fact]
    public async Task HttpsToken_IsSentAsBasicAuth_AndIsInNoProcessArgumentsOrError()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var seenAuthorization = new List<string?>();
        var argumentsWithToken = new List<string>();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                // While git waits for this answer, look at every process's arguments for the token.
                seenAuthorization.Add(context.Request.Headers["Authorization"]);
                argumentsWithToken.AddRange(ProcessArgumentsContaining(Token));
                context.Response.StatusCode = 404;
                context.Response.Close();
            }
        });

        await using var mirror = await GitMirror.OpenAsync(_mirrorPath, $"http://127.0.0.1:{port}/fleet.git", new GitCredentials { HttpsToken = Token });
        var error = await Assert.ThrowsAsync<GitException>(() => mirror.GetRemoteHeadsAsync(["main"]));
        listener.Stop();
        await serving;

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + Token));
        Assert.Contains(expected, seenAuthorization);
        Assert.Empty(argumentsWithToken);
        Assert.DoesNotContain(Token, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + Token)), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, new GitCredentials { HttpsToken = Token }.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SshKnownHostsWithoutKey_StillPinsTheHostKey()
    {
        var command = LiquidMetal.Git.Internal.GitCli.BuildEnvironment(new GitCredentials { SshKnownHostsFile = "/etc/fleet known_hosts" })["GIT_SSH_COMMAND"];

        Assert.Equal("ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o UserKnownHostsFile='/etc/fleet known_hosts'", command);
    }

    [Fact]
    public void NoCredentials_SshStillChecksHostKeysAndGivesUpOnASilentServer()
    {
        var command = LiquidMetal.Git.Internal.GitCli.BuildEnvironment(null)["GIT_SSH_COMMAND"];

        Assert.Equal("ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4", command);
    }

    [Fact]
    public void SshKey_IsTheOnlyIdentityAndHostKeysAreChecked()
    {
        var command = LiquidMetal.Git.Internal.GitCli.BuildEnvironment(new GitCredentials { SshKeyFile = "/keys/it's" })["GIT_SSH_COMMAND"];

        Assert.Equal("ssh -i '/keys/it'\\''s' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4", command);
    }

    private static IEnumerable<string> ProcessArgumentsContaining(string secret)
    {
        var found = new List<string>();
        foreach (var process in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                var arguments = File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' ');
                if (arguments.Contains(secret, StringComparison.Ordinal) || arguments.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + secret)), StringComparison.Ordinal))
                {
                    found.Add(arguments);
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read.
            }
        }

        return found;
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_mirrorPath)!, recursive: true);
}
