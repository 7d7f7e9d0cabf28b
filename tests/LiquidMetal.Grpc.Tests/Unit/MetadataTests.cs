namespace LiquidMetal.Grpc.Tests.Unit;

public sealed class MetadataTests
{
    [Fact]
    public void Add_MixedCaseKey_StoredLowercase()
    {
        var metadata = new Metadata().Add("X-Trace-Id", "abc");

        Assert.Equal("x-trace-id", metadata.Single().Key);
        Assert.Equal("abc", metadata.GetValue("X-TRACE-ID"));
    }

    [Theory]
    [InlineData("grpc-status")]
    [InlineData("content-type")]
    [InlineData("te")]
    [InlineData(":path")]
    [InlineData("bad key")]
    [InlineData("")]
    public void Add_ReservedOrInvalidKey_Throws(string key)
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add(key, "v"));
    }

    [Theory]
    [InlineData("é")]
    [InlineData("line\nbreak")]
    public void Add_NonPrintableAsciiValue_Throws(string value)
    {
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-key", value));
    }

    [Fact]
    public void GetValue_RepeatedKey_FirstValue()
    {
        var metadata = new Metadata().Add("x-a", "1").Add("x-a", "2");

        Assert.Equal("1", metadata.GetValue("x-a"));
        Assert.Equal(2, metadata.Count);
    }
}
