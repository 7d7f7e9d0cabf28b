using LiquidMetal.Fleet.Diagnostics;
using LiquidMetal.Fleet.Loading;
using LiquidMetal.Git;

namespace LiquidMetal.Reconciler.Source;

/// <summary>
/// Whether a head revision may be applied, when signed commits are required. The keys never come from the repository:
/// fleet.yaml can ask for verification but not say whom to trust, and a reconciler without keys of its own
/// (<c>--require-*</c>) then applies nothing. What asks for it, in order:
/// <list type="bullet">
/// <item>the reconciler's configuration (<c>--require-*</c>);</item>
/// <item>a mark this reconciler left beside its mirror when a fleet revision asked for it before (so wiping or editing
/// the unsigned status branch does not switch verification off);</item>
/// <item><c>verify.mode</c> at the applied revision the status branch names (a head cannot switch verification off for
/// itself); a name that is not a commit id, or a fleet.yaml there that cannot be read, counts as asking;</item>
/// <item><c>verify.mode</c> at the head (turning it on takes effect with that commit).</item>
/// </list>
/// Without <c>--require-*</c> this guards against running a verified fleet with a misconfigured reconciler, not against
/// someone who can push to both branches and finds a reconciler with a fresh mirror. Commits never change, so what was
/// read of one is kept.
/// </summary>
public sealed class FleetTrust(IFleetSource source, SignatureTrust? keys)
{
    private const int RememberedModes = 64;

    // verify.mode of fleet.yaml by revision: null when it cannot be told; Missing when the commit is not in the source.
    private readonly Dictionary<string, (string? Mode, bool Missing)> _modes = new(StringComparer.Ordinal);

    // The hosts' endpoints the last applied revision asked about declares, when its signature is trusted.
    private (string Revision, HashSet<(string Host, string Endpoint)> Endpoints)? _vouched;

    /// <summary>True when this reconciler was given keys: every head must then carry a trusted signature.</summary>
    public bool HasKeys => keys is not null;

    /// <summary>Judges <paramref name="head"/>, given the revision the status branch says is applied.</summary>
    public async Task<TrustVerdict> JudgeAsync(string head, string? applied, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        var required = await SignaturesRequiredAsync(head, applied, warnings, cancellationToken);
        if (required is not null && keys is null)
        {
            var noKeys = new Diagnostic(SourceLocation.OfFile(FleetLoader.FleetFileName),
                $"not applied: {required}, but this reconciler trusts no keys: start it with --require-ssh-signers FILE or --require-gpg-key FINGERPRINT");
            return new TrustVerdict(noKeys, "unverifiable", noKeys.Message);
        }

        if (keys is null)
        {
            return TrustVerdict.Applicable;
        }

        var check = await source.VerifyAsync(head, keys, cancellationToken);
        if (check.Trusted)
        {
            return TrustVerdict.Applicable;
        }

        var verdict = check.Verdict.ToString().ToLowerInvariant();
        var refusal = new Diagnostic(SourceLocation.OfFile($"(commit {Short(head)})"), $"not applied: {verdict} commit: {check.Detail}");
        return new TrustVerdict(refusal, verdict, check.Detail);
    }

    /// <summary>
    /// With keys: the (host, endpoint) pairs that <paramref name="applied"/> declares, if its signature is trusted (none
    /// otherwise), so hosts that left the fleet are told to stop only at endpoints a verified revision gave them.
    /// Without keys: null (no such check).
    /// </summary>
    public async Task<IReadOnlySet<(string Host, string Endpoint)>?> VouchedEndpointsAsync(string? applied, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        if (keys is null)
        {
            return null;
        }

        if (applied is null)
        {
            return new HashSet<(string Host, string Endpoint)>();
        }

        if (_vouched is { } cached && cached.Revision == applied)
        {
            return cached.Endpoints;
        }

        var endpoints = new HashSet<(string Host, string Endpoint)>();
        var check = await source.VerifyAsync(applied, keys, cancellationToken);
        if (check.Trusted)
        {
            var fleet = await source.ReadFleetAsync(applied, cancellationToken);
            foreach (var host in FleetLoader.Load(fleet.Files).Fleet?.Hosts ?? [])
            {
                endpoints.Add((host.Name, Rollout.DepartedHosts.Endpoint(host.AgentEndpoint)));
            }
        }
        else
        {
            warnings.Add($"hosts that left the fleet are not told to stop: the applied revision {Short(applied)} named on the status branch is not trusted ({check.Detail})");
        }

        _vouched = (applied, endpoints);
        return endpoints;
    }

    /// <summary>Why signed commits are required for <paramref name="head"/>, or null when they are not.</summary>
    private async Task<string?> SignaturesRequiredAsync(string head, string? applied, ICollection<string> warnings, CancellationToken cancellationToken)
    {
        string? why = null;
        var declared = false;
        if (applied is not null && !IsObjectId(applied))
        {
            why = "the status branch names an applied revision that is not a commit id, so whether it required signed commits is unknown";
        }
        else if (applied is not null)
        {
            var (mode, missing) = await DeclaredModeAsync(applied, cancellationToken);
            if (missing)
            {
                warnings.Add($"the applied revision {Short(applied)} named on the status branch is not in the mirror (history rewritten?): its verify.mode is not known, the head's is used");
            }
            else if (mode is null)
            {
                why = $"fleet.yaml at the applied revision {Short(applied)} cannot be read, so whether it required signed commits is unknown";
            }
            else if (mode != "none")
            {
                (why, declared) = ($"fleet.yaml at the applied revision {Short(applied)} sets verify.mode: {mode}", true);
            }
        }

        if (why is null && (await DeclaredModeAsync(head, cancellationToken)).Mode is { } headMode and not "none")
        {
            (why, declared) = ($"fleet.yaml at the head revision {Short(head)} sets verify.mode: {headMode}", true);
        }

        if (declared)
        {
            await source.MarkSignaturesRequiredAsync(why!, cancellationToken);
        }

        return keys is not null ? "the reconciler is configured to require signed commits"
            : why ?? (source.SignaturesRequiredMark is { } mark
                ? $"this reconciler's mirror records that the fleet asked for signed commits before ({mark}; delete {source.SignaturesRequiredMarkPath} once it no longer does)"
                : null);
    }

    /// <summary>
    /// verify.mode as fleet.yaml at a revision declares it ("none" when it does not). Mode is null when it cannot be
    /// told: Missing when the commit is not in the source, else fleet.yaml is absent, too big or not readable YAML.
    /// </summary>
    private async Task<(string? Mode, bool Missing)> DeclaredModeAsync(string revision, CancellationToken cancellationToken)
    {
        if (_modes.TryGetValue(revision, out var known))
        {
            return known;
        }

        (string? Mode, bool Missing) found = (null, false);
        if (!await source.HasCommitAsync(revision, cancellationToken))
        {
            found = (null, true);
        }
        else if (await source.ReadFileAsync(revision, FleetLoader.FleetFileName, cancellationToken) is { } blob && blob.Length <= FleetLoader.MaxFileBytes)
        {
            // Null when it is not readable YAML (or nested too deep): unknown.
            found = (FleetLoader.DeclaredVerifyMode(System.Text.Encoding.UTF8.GetString(blob)), false);
        }

        if (_modes.Count > RememberedModes)
        {
            _modes.Clear();
        }

        _modes[revision] = found;
        return found;
    }

    private static bool IsObjectId(string text) => text.Length is 40 or 64 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static string Short(string revision) => revision[..Math.Min(12, revision.Length)];
}
