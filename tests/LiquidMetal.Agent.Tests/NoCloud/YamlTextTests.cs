using LiquidMetal.Agent.Providers.NoCloud;

namespace LiquidMetal.Agent.Tests.NoCloud;

public sealed class YamlTextTests
{
    [Theory]
    [InlineData("on", "\"on\"")]
    [InlineData("2001:db8::1", "\"2001:db8::1\"")]
    [InlineData("0x10", "\"0x10\"")]
    [InlineData("say \"hi\"\\", "\"say \\\"hi\\\"\\\\\"")]
    [InlineData("a\nb\tc", "\"a\\nb\\tc\"")]
    [InlineData("bell\u0007", "\"bell\\u0007\"")]
    [InlineData("line\u2028sep", "\"line\\u2028sep\"")]
    [InlineData("grüße", "\"grüße\"")]
    public void Quote_AnyText_DoubleQuotedWithEscapes(string value, string expected)
    {
        Assert.Equal(expected, YamlText.Quote(value));
    }

    [Fact]
    public void Write_KeysReadersCouldMisread_Quoted()
    {
        var document = new YamlMapping(
        [
            new("eth0", "x"),
            new("yes", "x"),
            new("1", "x"),
            new("Eth0", "x"),
            new("set-name", "x"),
        ]);

        Assert.Equal("eth0: \"x\"\n\"yes\": \"x\"\n\"1\": \"x\"\n\"Eth0\": \"x\"\nset-name: \"x\"\n", YamlText.Write(document));
    }
}
