using System.Collections.Concurrent;
using System.Collections.Immutable;
using LiquidMetal.Git;
using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Bootstrap;

/// <summary>
/// bootstrap/ on the status branch, written by its own commits (status commits keep it as it is). Secrets are sealed
/// with <paramref name="box"/>; a sealed file this reconciler cannot open stops the update (new secrets over a cluster's
/// real ones would split it), and so does one that does not parse.
/// </summary>
public sealed class GitBootstrapStore(GitMirror mirror, string branch, ISecretBox box, GitSignature committer, TimeProvider time, int pushAttempts = 5) : IBootstrapStore
{
    // What each sealed blob opened to: a blob never changes, and opening 2,000 of them every pass would be waste.
    private readonly ConcurrentDictionary<string, ClusterSecrets> _opened = new(StringComparer.Ordinal);

    public async Task<BootstrapAt> UpdateAsync(
        string? tip,
        Func<IReadOnlyDictionary<string, ClusterBootstrap>, IReadOnlyDictionary<string, ClusterBootstrap>> decide,
        CancellationToken cancellationToken)
    {
        var writer = new CommitWriter(mirror);
        for (var attempt = 1; ; attempt++)
        {
            var (kept, files) = await ReadStoredAsync(tip, cancellationToken);
            var wanted = decide(kept);
            var changed = wanted.Where(pair => !kept.TryGetValue(pair.Key, out var was) || was != pair.Value).Select(pair => pair.Key).Order(StringComparer.Ordinal).ToList();
            if (changed.Count == 0)
            {
                return new BootstrapAt(tip, kept, []);
            }

            var next = files.ToBuilder();
            var all = new Dictionary<string, ClusterBootstrap>(kept, StringComparer.Ordinal);
            foreach (var cluster in changed)
            {
                var bootstrap = wanted[cluster];
                if (!kept.TryGetValue(cluster, out var was) || was.Secrets != bootstrap.Secrets)
                {
                    next[BootstrapFiles.SecretsPath(cluster)] = box.Seal(bootstrap.Secrets.ToBytes());
                }

                next[BootstrapFiles.InitPath(cluster)] = BootstrapFiles.WriteInit(bootstrap);
                all[cluster] = bootstrap;
            }

            var commit = await writer.CreateCommitAsync(new CommitRequest
            {
                Parent = tip,
                OwnedPrefixes = [BootstrapFiles.Prefix],
                Files = next.ToImmutable(),
                Message = Message(kept, wanted, changed),
                Author = committer with { When = time.GetUtcNow() },
            }, cancellationToken);
            if (commit is null)
            {
                return new BootstrapAt(tip, all, []);
            }

            var outcome = await writer.PushAsync(commit, branch, expected: tip, cancellationToken);
            if (outcome.Accepted)
            {
                return new BootstrapAt(commit, all, changed);
            }

            if (attempt >= pushAttempts)
            {
                throw new GitException($"the bootstrap push to {branch} was rejected {attempt} times: {outcome.RejectionReason}");
            }

            // Another reconciler (or a person) moved the branch: read what it holds now, theirs included, and decide again.
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt * attempt), time, cancellationToken);
            tip = (await mirror.SyncAsync([branch], cancellationToken)).RemoteHeads.GetValueOrDefault(branch);
        }
    }

    /// <summary>Every cluster's bootstrap at <paramref name="tip"/> (what `liquidmetal kubeconfig` reads).</summary>
    public async Task<IReadOnlyDictionary<string, ClusterBootstrap>> ReadAsync(string tip, CancellationToken cancellationToken) =>
        (await ReadStoredAsync(tip, cancellationToken)).Kept;

    /// <summary>Every cluster's bootstrap at <paramref name="tip"/>, and the files as they are (to write back unchanged).</summary>
    private async Task<(Dictionary<string, ClusterBootstrap> Kept, ImmutableSortedDictionary<string, byte[]> Files)> ReadStoredAsync(string? tip, CancellationToken cancellationToken)
    {
        var kept = new Dictionary<string, ClusterBootstrap>(StringComparer.Ordinal);
        var files = ImmutableSortedDictionary.CreateBuilder<string, byte[]>(StringComparer.Ordinal);
        if (tip is null)
        {
            return (kept, files.ToImmutable());
        }

        var secrets = new Dictionary<string, ClusterSecrets>(StringComparer.Ordinal);
        var inits = new Dictionary<string, (string Endpoint, string InitNode, string InitSpecHash, bool Initialized)>(StringComparer.Ordinal);
        foreach (var (entry, content) in await mirror.ReadFilesAsync(tip, BootstrapFiles.Folder, cancellationToken))
        {
            files[entry.Path] = content;
            var cluster = BootstrapFiles.ClusterOf(entry.Path);
            if (cluster is null)
            {
                continue;
            }

            if (entry.Path == BootstrapFiles.SecretsPath(cluster))
            {
                secrets[cluster] = _opened.GetOrAdd(entry.Id, _ => Open(entry.Path, content));
            }
            else if (entry.Path == BootstrapFiles.InitPath(cluster))
            {
                inits[cluster] = BootstrapFiles.ReadInit(entry.Path, content);
            }
        }

        foreach (var (cluster, clusterSecrets) in secrets)
        {
            if (!inits.TryGetValue(cluster, out var init))
            {
                throw new InvalidDataException($"{BootstrapFiles.SecretsPath(cluster)} has no {BootstrapFiles.InitPath(cluster)} beside it: restore it from the branch's history");
            }

            kept[cluster] = new ClusterBootstrap(clusterSecrets, init.Endpoint, init.InitNode, init.InitSpecHash, init.Initialized);
        }

        return (kept, files.ToImmutable());
    }

    private ClusterSecrets Open(string path, byte[] content)
    {
        byte[] plaintext;
        try
        {
            plaintext = box.Open(content);
        }
        catch (SecretBoxException e)
        {
            throw new SecretBoxException($"{path} on {branch} cannot be opened with this reconciler's key: {e.Message}. Nothing is applied: start it with the key the cluster's secrets were sealed for (--age-key-file)", e);
        }

        try
        {
            return ClusterSecrets.FromBytes(plaintext);
        }
        finally
        {
            Array.Clear(plaintext);
        }
    }

    private static string Message(IReadOnlyDictionary<string, ClusterBootstrap> kept, IReadOnlyDictionary<string, ClusterBootstrap> wanted, List<string> changed)
    {
        var parts = changed.Select(cluster =>
        {
            var now = wanted[cluster];
            if (!kept.TryGetValue(cluster, out var was))
            {
                return $"{cluster}: new CAs and a bootstrap token; {now.InitNode} creates it";
            }

            var what = new List<string>();
            if (!was.Secrets.BootstrapTokens.Select(t => t.Id).SequenceEqual(now.Secrets.BootstrapTokens.Select(t => t.Id)))
            {
                what.Add("bootstrap token renewed");
            }

            if (!was.Initialized && now.Initialized)
            {
                what.Add("its API answered: every new node joins");
            }
            else if (was.InitSpecHash != now.InitSpecHash)
            {
                what.Add($"{now.InitNode}'s spec changed before the cluster came up");
            }

            if (was.Endpoint != now.Endpoint)
            {
                what.Add("endpoint " + now.Endpoint);
            }

            return $"{cluster}: {string.Join(", ", what.DefaultIfEmpty("updated"))}";
        });
        return "bootstrap: " + string.Join("; ", parts) + "\n\nSecrets are sealed with age (secrets.age); init.yaml says which control plane runs kubeadm init.\n";
    }
}
