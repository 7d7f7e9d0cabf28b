using System.CommandLine;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Bootstrap;
using LiquidMetal.Reconciler.Kubernetes;
using LiquidMetal.Reconciler.Secrets.Age;

namespace LiquidMetal.Cli.Commands;

/// <summary>
/// <c>liquidmetal kubeconfig &lt;cluster&gt;</c>: an admin kubeconfig for a kubeadm cluster's API endpoint, its client
/// certificate issued from the cluster CA the reconciler keeps (sealed) on the status branch.
/// </summary>
internal static class KubeconfigCommand
{
    public static Command Create()
    {
        var cluster = new Argument<string>("cluster") { Description = "The kubeadm cluster's name" };
        var repo = new Option<string>("--repo") { Description = "The fleet repo: a URL or a local path", DefaultValueFactory = _ => "." };
        var branch = new Option<string>("--status-branch") { Description = "The status branch the reconciler keeps the cluster's secrets on", DefaultValueFactory = _ => "liquidmetal/status" };
        var keyFile = new Option<string>("--age-key-file") { Description = "The reconciler's age identity file (or a recovery identity the secrets are also sealed to)", Required = true };
        var hours = new Option<int>("--hours") { Description = "How long the admin certificate is valid, in hours", DefaultValueFactory = _ => 24 * 365 };
        var mirror = new Option<string?>("--mirror") { Description = "The bare mirror's folder (default: a cache folder per repository URL)" };
        var command = new Command("kubeconfig", "Print an admin kubeconfig for a kubeadm cluster's API (its VIP endpoint), from the secrets on the status branch.")
        {
            cluster, repo, branch, keyFile, hours, mirror,
        };
        var access = new GitAccess();
        access.AddTo(command);
        command.SetAction(async (parse, cancellationToken) => await RunAsync(
            parse.GetValue(cluster)!,
            parse.GetValue(repo)!,
            parse.GetValue(branch)!,
            parse.GetValue(keyFile)!,
            TimeSpan.FromHours(parse.GetValue(hours)),
            Console.Out,
            Console.Error,
            await access.ReadAsync(parse, cancellationToken),
            cancellationToken,
            parse.GetValue(mirror)));
        return command;
    }

    internal static async Task<int> RunAsync(
        string cluster, string repository, string branch, string keyFile, TimeSpan validity, TextWriter output, TextWriter error, GitCredentials? credentials, CancellationToken cancellationToken, string? mirrorPath = null)
    {
        try
        {
            var box = AgeSecretBox.FromKeyFile(keyFile);
            var url = MirrorCache.NormalizeUrl(repository);
            await using var mirror = await GitMirror.OpenAsync(mirrorPath ?? MirrorCache.PathFor(url), url, credentials, cancellationToken);
            var sync = await mirror.SyncAsync([branch], cancellationToken);
            if (!sync.RemoteHeads.TryGetValue(branch, out var tip))
            {
                await error.WriteLineAsync($"{repository} has no branch {branch}: no reconciler has written there yet (or it uses another: --status-branch)");
                return ExitCodes.Failed;
            }

            var store = new GitBootstrapStore(mirror, branch, box, new GitSignature("liquidmetal", "kubeconfig@liquidmetal.invalid", DateTimeOffset.UnixEpoch), TimeProvider.System);
            var clusters = await store.ReadAsync(tip, cancellationToken);
            if (!clusters.TryGetValue(cluster, out var bootstrap))
            {
                var known = clusters.Keys.Order(StringComparer.Ordinal).ToList();
                await error.WriteLineAsync($"cluster {cluster} has no secrets on {branch}: it is not a kubeadm cluster, or no reconciler has applied it yet"
                    + (known.Count > 0 ? $" (kubeadm clusters there: {string.Join(", ", known)})" : string.Empty));
                return ExitCodes.Failed;
            }

            await output.WriteAsync(Kubeconfig.Admin(cluster, bootstrap.Endpoint, bootstrap.Secrets, DateTimeOffset.UtcNow, validity));
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is GitException or InvalidDataException or AgeException or SecretBoxException or ClusterSecretsFormatException)
        {
            await error.WriteLineAsync("error: " + e.Message);
            return ExitCodes.Failed;
        }
    }
}
