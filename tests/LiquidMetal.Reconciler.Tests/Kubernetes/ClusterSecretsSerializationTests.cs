using System.Text;
using System.Text.Json.Nodes;
using LiquidMetal.Reconciler.Kubernetes;

namespace LiquidMetal.Reconciler.Tests.Kubernetes;

public sealed class ClusterSecretsSerializationTests
{
    private static readonly ClusterSecrets Secrets = TestSecrets.Alpha.WithFreshToken(TestSecrets.Now.AddHours(20));

    [Fact]
    public void FromBytes_WhatToBytesWrote_IsEqual()
    {
        var bytes = Secrets.ToBytes();

        var read = ClusterSecrets.FromBytes(bytes);

        Assert.Equal(Secrets, read);
        Assert.Equal(2, read.BootstrapTokens.Count);
        Assert.Equal(Secrets.CaCertHash, read.CaCertHash);
        Assert.Equal(bytes, read.ToBytes());
    }

    [Fact]
    public void ToBytes_IsAVersionedDocument()
    {
        var document = JsonNode.Parse(Secrets.ToBytes())!;

        Assert.Equal("liquidmetal.dev/v1alpha1", (string?)document["apiVersion"]);
        Assert.Equal("ClusterSecrets", (string?)document["kind"]);
        Assert.Equal("alpha", (string?)document["cluster"]);
        Assert.Equal(Secrets.EtcdCa.CertificatePem, (string?)document["etcdCA"]!["certificate"]);
        Assert.Equal(Secrets.NewestToken.ExpiresRfc3339, (string?)document["bootstrapTokens"]![1]!["expires"]);
    }

    [Theory]
    [InlineData("apiVersion", "liquidmetal.dev/v2", "apiVersion 'liquidmetal.dev/v2' is not supported")]
    [InlineData("kind", "Cluster", "kind 'Cluster' is not ClusterSecrets")]
    [InlineData("cluster", "Not A Label", "DNS label")]
    public void FromBytes_WrongValue_SaysWhich(string field, string value, string expected)
    {
        var error = Read(document => document[field] = value);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("clusterCA", "key", "clusterCA.key: missing")]
    [InlineData("serviceAccount", "publicKey", "serviceAccount.publicKey: missing")]
    [InlineData(null, "etcdCA", "etcdCA: missing")]
    [InlineData(null, "apiVersion", "cluster secrets: apiVersion: missing")]
    public void FromBytes_MissingField_NamesIt(string? parent, string field, string expected)
    {
        var error = Read(document => (parent is null ? document : document[parent]!.AsObject()).Remove(field));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_UnknownField_NamesIt()
    {
        var error = Read(document => document["frontProxyCA"]!["password"] = "x");

        Assert.Contains("frontProxyCA.password: unknown field", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_KeyOfAnotherCa_IsRefused()
    {
        var error = Read(document => document["clusterCA"]!["key"] = Secrets.EtcdCa.KeyPem);

        Assert.Contains("clusterCA: clusterCA key does not belong to the clusterCA certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_SwappedServiceAccountKeys_IsRefused()
    {
        var error = Read(document => document["serviceAccount"]!["publicKey"] = TestSecrets.Beta.ServiceAccount.PublicKeyPem);

        Assert.Contains("serviceAccount: service-account public key is not the service-account key's", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_GarbledKey_SaysSoWithoutQuotingIt()
    {
        var garbled = Secrets.FrontProxyCa.KeyPem.Replace("A", "*", StringComparison.Ordinal);

        var error = Read(document => document["frontProxyCA"]!["key"] = garbled);

        Assert.Contains("frontProxyCA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_BadToken_NamesIt()
    {
        var error = Read(document => document["bootstrapTokens"]![1]!["secret"] = "TOO-SHORT");

        Assert.Contains("bootstrapTokens[1]: bootstrap token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_NoTokens_IsRefused()
    {
        var error = Read(document => document["bootstrapTokens"] = new JsonArray());

        Assert.Contains("at least one bootstrap token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_TokenExpiryNotRfc3339_IsRefused()
    {
        var error = Read(document => document["bootstrapTokens"]![0]!["expires"] = "tomorrow");

        Assert.Contains("bootstrapTokens[0].expires: must be an RFC 3339 UTC time", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBytes_WrongType_SaysWhatWasExpected()
    {
        var error = Read(document => document["clusterCA"] = 42);

        Assert.Contains("clusterCA: must be an object, not a number", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{} {}")]
    public void FromBytes_NotADocument_IsRefused(string text)
    {
        Assert.Throws<ClusterSecretsFormatException>(() => ClusterSecrets.FromBytes(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void FromBytes_InvalidJsonInsideAKey_DoesNotQuoteTheInput()
    {
        var text = Encoding.UTF8.GetString(Secrets.ToBytes());
        var keyStart = text.IndexOf("MII", text.IndexOf("\"key\"", StringComparison.Ordinal), StringComparison.Ordinal);
        var broken = text[..(keyStart + 10)] + "\\q" + text[(keyStart + 10)..];

        var error = Assert.Throws<ClusterSecretsFormatException>(() => ClusterSecrets.FromBytes(Encoding.UTF8.GetBytes(broken)));

        Assert.Contains("not valid JSON (line", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("q'", error.Message, StringComparison.Ordinal);
    }

    private static ClusterSecretsFormatException Read(Action<JsonObject> change)
    {
        var document = JsonNode.Parse(Secrets.ToBytes())!.AsObject();
        change(document);

        var error = Assert.Throws<ClusterSecretsFormatException>(() => ClusterSecrets.FromBytes(Encoding.UTF8.GetBytes(document.ToJsonString())));

        Assert.StartsWith("cluster secrets: ", error.Message, StringComparison.Ordinal);
        TestSecrets.AssertNoSecretIn(error.Message, Secrets);
        TestSecrets.AssertNoSecretIn(error.Message, TestSecrets.Beta);
        return error;
    }
}
