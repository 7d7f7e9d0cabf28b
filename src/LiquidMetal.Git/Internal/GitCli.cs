using System.Text;

namespace LiquidMetal.Git.Internal;

/// <summary>Runs the git command-line tool against one repository, with a fixed, prompt-free environment.</summary>
internal sealed class GitCli
{
    private readonly string _gitDir;
    private readonly IReadOnlyDictionary<string, string> _environment;

    public GitCli(string gitDir, GitCredentials? credentials)
    {
        _gitDir = gitDir;
        _environment = BuildEnvironment(credentials);
    }

    public string GitDir => _gitDir;

    /// <summary>Runs git against the repository with the prompt-free environment.</summary>
    public Task<ProcessResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync("git", ["--git-dir=" + _gitDir, .. arguments], environment: _environment, cancellationToken: cancellationToken);

    /// <summary>The command for messages: URLs lose their user-info, so a token put there by mistake is not printed.</summary>
    public static string Describe(IReadOnlyList<string> arguments) => string.Join(' ', arguments.Select(Redact));

    public static string Redact(string text)
    {
        var builder = new StringBuilder(text.Length);
        var index = 0;
        while (index < text.Length)
        {
            var scheme = text.IndexOf("://", index, StringComparison.Ordinal);
            if (scheme < 0)
            {
                break;
            }

            var hostStart = scheme + 3;
            var end = text.IndexOfAny([' ', '\n', '\'', '"', '/'], hostStart);
            var at = text.IndexOf('@', hostStart);
            builder.Append(text, index, hostStart - index);
            if (at >= 0 && (end < 0 || at < end))
            {
                builder.Append("***@");
                index = at + 1;
            }
            else
            {
                index = hostStart;
            }
        }

        builder.Append(text, index, text.Length - index);
        return builder.ToString();
    }

    internal static Dictionary<string, string> BuildEnvironment(GitCredentials? credentials)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_ASKPASS"] = "true",
            ["LC_ALL"] = "C",
        };

        // A transfer that stalls (under 1 KB/s for a minute) is abandoned by git itself, however long it has run;
        // GitMirror's time limits are the backstop for protocols without such a setting (git://).
        var config = new List<(string Key, string Value)> { ("http.lowSpeedLimit", "1000"), ("http.lowSpeedTime", "60") };
        if (credentials?.HttpsToken is { } token)
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.HttpsUser}:{token}"));
            config.Add(("http.extraHeader", "Authorization: Basic " + basic));
        }

        // SSH never prompts, always checks the host key (against the given known_hosts file when there is one), and
        // gives up on a server that does not connect in 30 s or goes silent for a minute; with or without a key of
        // ours (the key may come from an ssh-agent).
        var identity = credentials?.SshKeyFile is { } key ? $" -i {Quote(key)} -o IdentitiesOnly=yes" : string.Empty;
        var knownHosts = credentials?.SshKnownHostsFile is { } file ? $" -o UserKnownHostsFile={Quote(file)}" : string.Empty;
        environment["GIT_SSH_COMMAND"] = $"ssh{identity} -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=30 -o ServerAliveInterval=15 -o ServerAliveCountMax=4{knownHosts}";

        // Config through the environment (git 2.31+) keeps secrets out of argv.
        environment["GIT_CONFIG_COUNT"] = config.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < config.Count; i++)
        {
            environment[$"GIT_CONFIG_KEY_{i}"] = config[i].Key;
            environment[$"GIT_CONFIG_VALUE_{i}"] = config[i].Value;
        }

        return environment;
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
