using System.Globalization;
using System.Text.RegularExpressions;

namespace LiquidMetal.Fleet.Kubernetes;

/// <summary>Whose build of Kubernetes a cluster runs: the upstream project's, or Amazon EKS Distro's.</summary>
public enum KubernetesDistribution
{
    Upstream,
    EksD,
}

/// <summary>
/// One Kubernetes release as kubeadm gets it: the version string, where its images come from, the kubeadm
/// configuration API it takes, and the guest image it boots (<see cref="GuestImage"/>, a name image paths may use).
/// </summary>
public sealed record KubernetesRelease(KubernetesDistribution Distribution, string Version, int Minor, int Patch)
{
    /// <summary>kubeadm's imageRepository for the control-plane images.</summary>
    public string ImageRepository => Distribution == KubernetesDistribution.EksD ? "public.ecr.aws/eks-distro/kubernetes" : "registry.k8s.io";

    /// <summary>The sandbox (pause) image containerd is told to use, the one this release's kubeadm expects.</summary>
    public string PauseImage => Distribution == KubernetesDistribution.EksD
        ? "public.ecr.aws/eks-distro/kubernetes/pause:" + Version
        : "registry.k8s.io/pause:" + (Minor >= 34 ? "3.10.1" : Minor >= 31 ? "3.10" : "3.9");

    /// <summary>kubeadm.k8s.io/v1beta4 from 1.31 (where it became the preferred version), v1beta3 before.</summary>
    public string KubeadmApiVersion => Minor >= 31 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta3";

    /// <summary>"1.31": the minor release.</summary>
    public string MinorVersion => "1." + Minor.ToString(CultureInfo.InvariantCulture);

    /// <summary>The guest image name for this release, e.g. upstream-1.31 or eks-d-1.31 (kubelet, kubeadm and containerd of that minor inside).</summary>
    public string GuestImage => DistributionName(Distribution) + "-" + MinorVersion;

    /// <summary>Since 1.29, admin.conf has no rights until kubeadm init has bound its group: kube-vip on the first control plane uses super-admin.conf until then.</summary>
    public bool HasSuperAdminConf => Minor >= 29;

    public static string DistributionName(KubernetesDistribution distribution) => distribution == KubernetesDistribution.EksD ? "eks-d" : "upstream";
}

/// <summary>
/// The Kubernetes releases this LiquidMetal renders kubeadm configuration for. A newer patch or minor needs a newer
/// LiquidMetal (its kubeadm configuration API, pause image and guest image are checked against each release).
/// </summary>
public static partial class KubernetesReleases
{
    /// <summary>The kube-vip image the control planes run to hold the cluster's VIP (ARP mode).</summary>
    public const string KubeVipImage = "ghcr.io/kube-vip/kube-vip:v0.8.7";

    /// <summary>Supported minors, oldest first, and the newest patch of each this build knows (upstream releases up to late 2025).</summary>
    private static readonly (int Minor, int Patch)[] NewestPatch = [(29, 15), (30, 14), (31, 13), (32, 9), (33, 5), (34, 1)];

    [GeneratedRegex(@"^v1\.(?<minor>[0-9]+)\.(?<patch>[0-9]+)(?<eks>-eks-1-(?<eksMinor>[0-9]+)-(?<eksBuild>[0-9]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    /// <summary>The release, or why there is none: what is wrong and which versions would be right.</summary>
    public static KubernetesRelease? Find(KubernetesDistribution distribution, string version, out string? problem)
    {
        problem = null;
        var match = VersionPattern().Match(version);
        if (!match.Success)
        {
            problem = distribution == KubernetesDistribution.EksD
                ? $"'{version}' is not an EKS Distro version: write it as EKS-D tags it, v1.<minor>.<patch>-eks-1-<minor>-<build> (e.g. v1.31.2-eks-1-31-8); supported: {Known(distribution)}"
                : $"'{version}' is not a Kubernetes version: write v1.<minor>.<patch> (e.g. v1.31.2); supported: {Known(distribution)}";
            return null;
        }

        var minor = int.Parse(match.Groups["minor"].ValueSpan, CultureInfo.InvariantCulture);
        var patch = int.Parse(match.Groups["patch"].ValueSpan, CultureInfo.InvariantCulture);
        var eks = match.Groups["eks"].Success;
        if (distribution == KubernetesDistribution.Upstream && eks)
        {
            problem = $"{version} is an EKS Distro version: set spec.kubernetes.distribution: eks-d, or write the upstream version v1.{minor}.{patch}";
            return null;
        }

        if (distribution == KubernetesDistribution.EksD && !eks)
        {
            problem = $"EKS Distro versions carry their EKS-D release: write {version}-eks-1-{minor}-<build> as EKS-D tags it (e.g. v1.31.2-eks-1-31-8), or set spec.kubernetes.distribution: upstream";
            return null;
        }

        if (eks && int.Parse(match.Groups["eksMinor"].ValueSpan, CultureInfo.InvariantCulture) != minor)
        {
            problem = $"{version} names Kubernetes 1.{minor} but EKS-D release 1-{match.Groups["eksMinor"].Value}: the two must be the same minor";
            return null;
        }

        if (patch > NewestPatchOf(minor))
        {
            problem = $"unknown Kubernetes version {version} ({KubernetesRelease.DistributionName(distribution)}); supported: {Known(distribution)}";
            return null;
        }

        return new KubernetesRelease(distribution, version, minor, patch);
    }

    /// <summary>The newest patch of a supported minor; -1 for a minor that is not supported.</summary>
    private static int NewestPatchOf(int minor)
    {
        foreach (var known in NewestPatch)
        {
            if (known.Minor == minor)
            {
                return known.Patch;
            }
        }

        return -1;
    }

    /// <summary>"v1.29.0-v1.29.15, v1.30.0-v1.30.14, ..." (with the EKS-D suffix for eks-d).</summary>
    public static string Known(KubernetesDistribution distribution) => string.Join(", ", NewestPatch.Select(known =>
        distribution == KubernetesDistribution.EksD
            ? $"v1.{known.Minor}.0-v1.{known.Minor}.{known.Patch} as -eks-1-{known.Minor}-<build>"
            : $"v1.{known.Minor}.0-v1.{known.Minor}.{known.Patch}"));
}
