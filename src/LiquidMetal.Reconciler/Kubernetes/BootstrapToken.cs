using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace LiquidMetal.Reconciler.Kubernetes;

/// <summary>
/// A kubeadm bootstrap token, <c>id.secret</c>: a node joins with it. The id is public; the secret is not, so
/// printing shows only the id (<see cref="Value"/> is the whole token, for kubeadm's configuration).
/// </summary>
public sealed partial record BootstrapToken
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public BootstrapToken(string id, string secret, DateTimeOffset expires)
    {
        if (id is null || !IdPattern().IsMatch(id))
        {
            throw new FormatException("bootstrap token id must match [a-z0-9]{6}");
        }

        if (secret is null || !SecretPattern().IsMatch(secret))
        {
            throw new FormatException($"bootstrap token {id}: the secret must match [a-z0-9]{{16}}");
        }

        Id = id;
        Secret = secret;
        Expires = Pki.WholeSeconds(expires);
    }

    /// <summary>kubeadm's default lifetime of a bootstrap token.</summary>
    public static TimeSpan DefaultTtl { get; } = TimeSpan.FromHours(24);

    /// <summary>The public half, <c>[a-z0-9]{6}</c>; the token's Secret is named <c>bootstrap-token-&lt;id&gt;</c>.</summary>
    public string Id { get; }

    /// <summary>The secret half, <c>[a-z0-9]{16}</c>.</summary>
    public string Secret { get; }

    /// <summary>When the API server stops accepting the token (whole seconds, UTC).</summary>
    public DateTimeOffset Expires { get; }

    /// <summary>The token as kubeadm takes it: <c>id.secret</c>.</summary>
    public string Value => $"{Id}.{Secret}";

    /// <summary><see cref="Expires"/> in RFC 3339, as the token Secret's <c>expiration</c> field holds it.</summary>
    public string ExpiresRfc3339 => Expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A fresh token from the system's CSPRNG, valid for <paramref name="ttl"/> from <paramref name="now"/>.</summary>
    public static BootstrapToken Generate(DateTimeOffset now, TimeSpan ttl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        return new BootstrapToken(
            RandomNumberGenerator.GetString(Alphabet, 6),
            RandomNumberGenerator.GetString(Alphabet, 16),
            now + ttl);
    }

    public bool IsExpiredAt(DateTimeOffset now) => now >= Expires;

    public override string ToString() => $"BootstrapToken {{ {Id}.<redacted>, Expires={ExpiresRfc3339} }}";

    [GeneratedRegex("^[a-z0-9]{6}\\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9]{16}\\z")]
    private static partial Regex SecretPattern();
}
