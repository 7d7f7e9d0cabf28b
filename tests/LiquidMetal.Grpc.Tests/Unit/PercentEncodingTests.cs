using LiquidMetal.Grpc.Internal;

namespace LiquidMetal.Grpc.Tests.Unit;

public sealed class PercentEncodingTests
{
    [Theory]
    [InlineData("plain ascii stays", "plain ascii stays")]
    [InlineData("100%", "100%25")]
    [InlineData("é", "%C3%A9")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("網", "%E7%B6%B2")]
    public void Encode_Samples_AsSpecified(string value, string encoded)
    {
        Assert.Equal(encoded, PercentEncoding.Encode(value));
    }

    [Theory]
    [InlineData("réseau indisponible — 網絡")]
    [InlineData("emoji 🚀 and % and \t")]
    public void Decode_OfEncode_RoundTrips(string value)
    {
        Assert.Equal(value, PercentEncoding.Decode(PercentEncoding.Encode(value)));
    }

    [Theory]
    [InlineData("50%", "50%")]
    [InlineData("%zz ok", "%zz ok")]
    [InlineData("%C3", "\uFFFD")]
    public void Decode_BrokenInput_KeptNotThrown(string value, string decoded)
    {
        Assert.Equal(decoded, PercentEncoding.Decode(value));
    }

    [Fact]
    public void Decode_LowercaseHex_Accepted()
    {
        Assert.Equal("é", PercentEncoding.Decode("%c3%a9"));
    }
}
