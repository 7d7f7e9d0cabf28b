using System.CommandLine;
using LiquidMetal.Git;

namespace LiquidMetal.Cli.Commands;

/// <summary>
/// How the commands that read the fleet repo authenticate to its remote. The token is read from a file and handed to
/// git through its environment: never in arguments (readable in /proc), logs or status.
/// </summary>
internal sealed class GitAccess
{
    private readonly Option<string?> _sshKey = new("--git-ssh-key") { Description = "Private key for an SSH fleet remote (host keys are always checked)" };
    private readonly Option<string?> _knownHosts = new("--git-known-hosts") { Description = "known_hosts file the SSH remote's host key is checked against" };
    private readonly Option<string?> _tokenFile = new("--git-token-file") { Description = "File holding a token for an HTTPS fleet remote, sent as basic auth" };
    private readonly Option<string> _user = new("--git-user") { Description = "The basic-auth user sent with --git-token-file", DefaultValueFactory = _ => "x-access-token" };

    public void AddTo(Command command)
    {
        command.Options.Add(_sshKey);
        command.Options.Add(_knownHosts);
        command.Options.Add(_tokenFile);
        command.Options.Add(_user);
    }

    /// <summary>The credentials the options give, or null when none were given.</summary>
    public async Task<GitCredentials?> ReadAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var key = parse.GetValue(_sshKey);
        var knownHosts = parse.GetValue(_knownHosts);
        var tokenFile = parse.GetValue(_tokenFile);
        if (key is null && knownHosts is null && tokenFile is null)
        {
            return null;
        }

        var token = tokenFile is null ? null : (await File.ReadAllTextAsync(tokenFile, cancellationToken)).Trim();
        return token is { Length: 0 }
            ? throw new ArgumentException($"--git-token-file {tokenFile} is empty: it should hold the token")
            : new GitCredentials
            {
                SshKeyFile = key is null ? null : Path.GetFullPath(key),
                SshKnownHostsFile = knownHosts is null ? null : Path.GetFullPath(knownHosts),
                HttpsToken = token,
                HttpsUser = parse.GetValue(_user)!,
            };
    }
}
