using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

/// <summary>Two clusters' secrets, made once per test run: RSA key generation is the slow part of these tests.</summary>
internal static class TestSecrets
{
    /// <summary>Midnight 30 days ago: whole seconds for exact expiry checks, and in the past of the real clock, which TLS uses.</summary>
    public static readonly DateTimeOffset Now = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-30);

    private static readonly Lazy<ClusterSecrets> LazyAlpha = new(() => ClusterSecrets.Generate("alpha", Now));
    private static readonly Lazy<ClusterSecrets> LazyBeta = new(() => ClusterSecrets.Generate("beta", Now));

    public static ClusterSecrets Alpha => LazyAlpha.Value;

    public static ClusterSecrets Beta => LazyBeta.Value;

    /// <summary>The base64 body lines of every private key in <paramref name="secrets"/>, and the token secrets.</summary>
    public static IEnumerable<string> SecretFragments(ClusterSecrets secrets)
    {
        string[] keys = [secrets.ClusterCa.KeyPem, secrets.EtcdCa.KeyPem, secrets.FrontProxyCa.KeyPem, secrets.ServiceAccount.KeyPem];
        foreach (var key in keys)
        {
            foreach (var line in key.Split('\n').Where(line => !line.StartsWith("-----", StringComparison.Ordinal) && line.Length > 20))
            {
                yield return line.Trim();
            }
        }

        foreach (var token in secrets.BootstrapTokens)
        {
            yield return token.Secret;
        }
    }

    public static void AssertNoSecretIn(string text, ClusterSecrets secrets)
    {
        Assert.DoesNotContain("-----BEGIN", text, StringComparison.Ordinal);
        foreach (var fragment in SecretFragments(secrets))
        {
            Assert.DoesNotContain(fragment, text, StringComparison.Ordinal);
        }
    }
}
