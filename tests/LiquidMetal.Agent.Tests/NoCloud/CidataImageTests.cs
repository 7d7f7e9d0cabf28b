using LiquidMetal.Agent.Processes;
using LiquidMetal.Agent.Providers;
using LiquidMetal.Agent.Providers.NoCloud;
using LiquidMetal.Agent.Tests.Infrastructure;

namespace LiquidMetal.Agent.Tests.NoCloud;

/// <summary>The cidata image genisoimage writes, read back with isoinfo (from the same package).</summary>
public sealed class CidataImageTests : IDisposable
{
    private readonly TempStateDirectory _dir = new();

    [GenisoimageFact]
    public async Task WriteAsync_Spec_IsoLabelledCidataHoldingTheThreeFilesUnderJolietAndRockRidge()
    {
        var spec = TestSpecs.Vm("vm-iso", userData: "#cloud-config\nhostname: grüße\n") with { Nics = [TestSpecs.StaticNic("eth0", "02:00:00:00:00:01", "lm0")] };
        var launch = new VmLaunch(spec, Path.Combine(_dir.Path, "vm-iso"));
        Directory.CreateDirectory(launch.Directory);

        await CidataImage.WriteAsync(launch, default);

        var image = CidataImage.ImagePath(launch);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(image));
        var (_, description, _) = HostCommands.Run("isoinfo", "-d", "-i", image);
        Assert.Contains("Volume id: cidata", description, StringComparison.Ordinal);
        Assert.Contains("Rock Ridge signatures", description, StringComparison.Ordinal);
        Assert.Contains("Joliet", description, StringComparison.Ordinal);
        foreach (var (name, content) in NoCloudSeed.Files(spec))
        {
            Assert.Equal(content, HostCommands.Run("isoinfo", "-J", "-i", image, "-x", "/" + name).Output);
            Assert.Equal(content, HostCommands.Run("isoinfo", "-R", "-i", image, "-x", "/" + name).Output);
        }
    }

    [GenisoimageFact]
    public async Task WriteAsync_Again_ReplacesTheImage()
    {
        var launch = new VmLaunch(TestSpecs.Vm("vm-iso", userData: "first"), Path.Combine(_dir.Path, "vm-iso"));
        Directory.CreateDirectory(launch.Directory);
        await CidataImage.WriteAsync(launch, default);

        await CidataImage.WriteAsync(launch with { Spec = launch.Spec with { UserData = "second" } }, default);

        Assert.Equal("second", HostCommands.Run("isoinfo", "-J", "-i", CidataImage.ImagePath(launch), "-x", "/user-data").Output);
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>A fact that runs genisoimage and isoinfo; skipped, saying how to get them, where they are missing.</summary>
public sealed class GenisoimageFactAttribute : FactAttribute
{
    public GenisoimageFactAttribute()
    {
        if (DetachedProcess.Resolve("genisoimage") is null || DetachedProcess.Resolve("isoinfo") is null)
        {
            Skip = "genisoimage is not installed: run scripts/install-test-deps.sh";
        }
    }
}
