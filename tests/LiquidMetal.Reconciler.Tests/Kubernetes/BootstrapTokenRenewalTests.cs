using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

public sealed class BootstrapTokenRenewalTests
{
    private static ClusterSecrets Secrets => TestSecrets.Alpha;

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(15.9)]
    public void WithFreshToken_NewestHasAThirdOfItsTtlLeft_ReturnsTheSameSecrets(double hoursLater)
    {
        var renewed = Secrets.WithFreshToken(TestSecrets.Now.AddHours(hoursLater));

        Assert.Same(Secrets, renewed);
    }

    [Fact]
    public void WithFreshToken_LessThanAThirdLeft_AddsATokenAndKeepsTheLiveOne()
    {
        var later = TestSecrets.Now.AddHours(17);

        var renewed = Secrets.WithFreshToken(later);

        Assert.Equal(2, renewed.BootstrapTokens.Count);
        Assert.Same(Secrets.NewestToken, renewed.BootstrapTokens[0]);
        Assert.Equal(later.AddHours(24), renewed.NewestToken.Expires);
        Assert.NotEqual(Secrets.NewestToken.Id, renewed.NewestToken.Id);
        Assert.Same(renewed, renewed.WithFreshToken(later.AddHours(1)));
        Assert.Same(Secrets.ClusterCa, renewed.ClusterCa);
    }

    [Fact]
    public void WithFreshToken_AfterExpiry_DropsTheExpiredToken()
    {
        var renewed = Secrets.WithFreshToken(TestSecrets.Now.AddHours(17)).WithFreshToken(TestSecrets.Now.AddHours(30));

        var token = Assert.Single(renewed.BootstrapTokens);
        Assert.Equal(TestSecrets.Now.AddHours(41), token.Expires);
    }

    [Fact]
    public void WithFreshToken_AllExpired_LeavesOnlyAFreshOne()
    {
        var later = TestSecrets.Now.AddDays(3);

        var renewed = Secrets.WithFreshToken(later, TimeSpan.FromHours(2));

        var token = Assert.Single(renewed.BootstrapTokens);
        Assert.Equal(later.AddHours(2), token.Expires);
        Assert.False(token.IsExpiredAt(later));
    }

    [Fact]
    public void Generate_TokensFromTheCsprng_AreDistinct()
    {
        var tokens = Enumerable.Range(0, 200).Select(_ => BootstrapToken.Generate(TestSecrets.Now, TimeSpan.FromHours(1))).ToList();

        Assert.Equal(200, tokens.Select(token => token.Value).Distinct().Count());
        Assert.All(tokens, token => Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}$", token.Value));
    }

    [Theory]
    [InlineData("abcde", "0123456789abcdef")]
    [InlineData("ABCDEF", "0123456789abcdef")]
    [InlineData("abcdef", "0123456789abcde")]
    [InlineData("abcdef\n", "0123456789abcdef")]
    [InlineData("abcdef", "0123456789abcdeF")]
    public void New_MalformedToken_ThrowsWithoutEchoingTheSecret(string id, string secret)
    {
        var error = Assert.Throws<FormatException>(() => new BootstrapToken(id, secret, TestSecrets.Now));

        Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
    }
}
