namespace LiquidMetal.Git;

/// <summary>
/// How git authenticates to the fleet remote. Secrets travel in the git process's environment
/// (never its arguments, which any user can read in /proc), and never reach logs or status.
/// </summary>
public sealed record GitCredentials
{
    /// <summary>A private key file for SSH remotes.</summary>
    public string? SshKeyFile { get; init; }

    /// <summary>The known_hosts file SSH checks the server against (host keys are always checked).</summary>
    public string? SshKnownHostsFile { get; init; }

    /// <summary>A token for HTTPS remotes, sent as HTTP basic auth with the user below.</summary>
    public string? HttpsToken { get; init; }

    public string HttpsUser { get; init; } = "x-access-token";

    public override string ToString() => $"GitCredentials(ssh key: {SshKeyFile ?? "none"}, https token: {(HttpsToken is null ? "none" : "set")})";
}
