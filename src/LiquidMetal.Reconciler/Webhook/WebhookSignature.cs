using System.Security.Cryptography;
using System.Text;

namespace LiquidMetal.Reconciler.Webhook;

/// <summary>GitHub-style <c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c> over the raw body, compared in constant time.</summary>
public static class WebhookSignature
{
    private const string Prefix = "sha256=";

    public static bool IsValid(byte[] secret, ReadOnlySpan<byte> body, string? header)
    {
        if (header is null || !header.StartsWith(Prefix, StringComparison.Ordinal) || header.Length != Prefix.Length + 64)
        {
            return false;
        }

        byte[] claimed;
        try
        {
            claimed = Convert.FromHexString(header.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(secret, body), claimed);
    }

    public static string Sign(byte[] secret, ReadOnlySpan<byte> body) => Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    public static byte[] SecretBytes(string secret) => Encoding.UTF8.GetBytes(secret);
}
