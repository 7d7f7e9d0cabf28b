using System.Collections.Immutable;
using LiquidMetal.Git;

namespace LiquidMetal.Reconciler.Source;

/// <summary>The fleet from the reconciler's bare mirror of the fleet repository.</summary>
public sealed class GitFleetSource(GitMirror mirror) : IFleetSource
{
    /// <summary>The file in the mirror that records a fleet revision once asked for signed commits.</summary>
    public const string SignaturesRequiredMarker = "liquidmetal-signatures-required";

    public string SignaturesRequiredMarkPath => Path.Combine(mirror.Path, SignaturesRequiredMarker);

    public string? SignaturesRequiredMark => File.Exists(SignaturesRequiredMarkPath) ? File.ReadAllText(SignaturesRequiredMarkPath).Trim() : null;

    public async Task<ImmutableDictionary<string, string>> SyncAsync(IReadOnlyList<string> branches, CancellationToken cancellationToken) =>
        (await mirror.SyncAsync(branches, cancellationToken)).RemoteHeads;

    public async Task<FleetFiles> ReadFleetAsync(string revision, CancellationToken cancellationToken)
    {
        var (files, refused) = await FleetRevisionReader.ReadAsync(mirror, revision, cancellationToken);
        return new FleetFiles(revision, files, refused);
    }

    public Task<bool> HasCommitAsync(string revision, CancellationToken cancellationToken) => mirror.HasCommitAsync(revision, cancellationToken);

    public Task<byte[]?> ReadFileAsync(string revision, string path, CancellationToken cancellationToken) => mirror.ReadFileAsync(revision, path, cancellationToken);

    public Task<SignatureCheck> VerifyAsync(string revision, SignatureTrust trust, CancellationToken cancellationToken) =>
        new SignatureVerifier(mirror, trust).VerifyAsync(revision, cancellationToken);

    public async Task MarkSignaturesRequiredAsync(string why, CancellationToken cancellationToken)
    {
        if (!File.Exists(SignaturesRequiredMarkPath))
        {
            await File.WriteAllTextAsync(SignaturesRequiredMarkPath, why + "\n", cancellationToken);
        }
    }
}
