namespace LiquidMetal.Agent.Tests.Infrastructure;

/// <summary>A real bridge with a unique name for one test, deleted after it.</summary>
internal sealed class TestBridge : IDisposable
{
    public TestBridge(bool vlanFiltering)
    {
        Name = "tb-" + Guid.NewGuid().ToString("N")[..8];
        string[] create = ["link", "add", "name", Name, "type", "bridge"];
        var (exit, _, errors) = HostCommands.Run("ip", vlanFiltering ? [.. create, "vlan_filtering", "1"] : create);
        Assert.True(exit == 0, $"could not create bridge {Name}: {errors}");
        Assert.True(HostCommands.Ip("link", "set", "dev", Name, "up"));
    }

    public string Name { get; }

    public void Dispose() => HostCommands.Ip("link", "delete", Name);
}
