using LiquidMetal.Agent.Core;

namespace LiquidMetal.Agent.Providers.NoCloud;

/// <summary>The three files of a VM's NoCloud data source, the standard way any cloud image with cloud-init configures itself.</summary>
internal static class NoCloudSeed
{
    /// <summary>instance-id changes with the spec, so a replaced VM is a new instance to cloud-init; the hostname is the VM id.</summary>
    public static string MetaData(VmSpec spec) => YamlText.Write(new YamlMapping(
    [
        new("instance-id", SpecHash.InstanceId(spec)),
        new("local-hostname", spec.Id),
    ]));

    /// <summary>
    /// The VM's user-data byte for byte as given (cloud-config, a script, MIME: cloud-init decides; empty is no user-data
    /// to cloud-init). The same bytes as fw_cfg and MMDS carry, so a guest's ready marker hashes the same whichever it read.
    /// </summary>
    public static string UserData(VmSpec spec) => spec.UserData;

    public static IReadOnlyList<(string Name, string Content)> Files(VmSpec spec) =>
    [
        ("meta-data", MetaData(spec)),
        ("user-data", UserData(spec)),
        ("network-config", NetworkConfig.For(spec)),
    ];
}
