using System.CommandLine;
using System.Security.Cryptography;
using k8s;
using LiquidMetal.Reconciler.Leadership;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Cli.Commands;

/// <summary>
/// <c>reconcile --leader-elect</c> and its family: several replicas (a Deployment), one passing at a time, chosen by a
/// Kubernetes Lease reached with the pod's service account (or a kubeconfig outside a cluster).
/// </summary>
internal sealed class LeaderElectionFlags
{
    /// <summary>The environment variable the chart sets to the pod's name (downward API): this replica's identity.</summary>
    public const string PodNameVariable = "POD_NAME";

    /// <summary><c>--leader-elect</c> itself, for the command's checks.</summary>
    public Option<bool> Elect { get; } = new("--leader-elect") { Description = "Pass only while holding a Kubernetes Lease, so several replicas can run and one reconciles (not with --once)" };

    private readonly Option<string?> _namespace = new("--leader-election-namespace") { Description = "The Lease's namespace (default: the pod's own, or the kubeconfig's)" };
    private readonly Option<string> _lease = new("--leader-election-lease") { Description = "The Lease's name", DefaultValueFactory = _ => LeaseElectionOptions.DefaultLeaseName };
    private readonly Option<string?> _identity = new("--leader-election-identity") { Description = $"This replica's holder identity (default: ${PodNameVariable}, else the host name and a random suffix)" };
    private readonly Option<string?> _kubeconfig = new("--leader-election-kubeconfig") { Description = "Reach the Lease with this kubeconfig instead of the pod's service account (outside a cluster)" };
    private readonly Option<int> _duration = new("--leader-election-lease-duration") { Description = "Seconds a lease lasts after its holder's last renewal; a follower takes over after that", DefaultValueFactory = _ => 15 };
    private readonly Option<double> _renew = new("--leader-election-renew-deadline") { Description = "Seconds the leader keeps trying to renew before it stops passing (less than the lease duration)", DefaultValueFactory = _ => 10 };
    private readonly Option<double> _retry = new("--leader-election-retry-period") { Description = "Seconds between renewals, and between a follower's looks at the lease", DefaultValueFactory = _ => 2 };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Elect, _namespace, _lease, _identity, _kubeconfig, _duration, _renew, _retry })
        {
            command.Options.Add(option);
        }
    }

    public bool Enabled(ParseResult parse) => parse.GetValue(Elect);

    /// <summary>
    /// The leadership the options ask for: null without <c>--leader-elect</c>. Throws <see cref="ArgumentException"/>
    /// with a message for people when the options cannot work or no Kubernetes API can be found.
    /// </summary>
    public LeaseLeadership? Create(ParseResult parse, ILoggerFactory logging)
    {
        if (!Enabled(parse))
        {
            return null;
        }

        KubernetesClientConfiguration configuration;
        try
        {
            configuration = parse.GetValue(_kubeconfig) is { } file
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(file)
                : KubernetesClientConfiguration.InClusterConfig();
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException(
                $"--leader-elect: no Kubernetes API to hold the lease with ({e.Message}); run in a pod with a service account, or give --leader-election-kubeconfig", e);
        }

        var options = new LeaseElectionOptions
        {
            Namespace = parse.GetValue(_namespace) ?? configuration.Namespace ?? "default",
            LeaseName = parse.GetValue(_lease)!,
            Identity = parse.GetValue(_identity) ?? DefaultIdentity(),
            LeaseDuration = TimeSpan.FromSeconds(parse.GetValue(_duration)),
            RenewDeadline = TimeSpan.FromSeconds(parse.GetValue(_renew)),
            RetryPeriod = TimeSpan.FromSeconds(parse.GetValue(_retry)),
        };
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException("--leader-elect: " + string.Join("; ", problems));
        }

        return new LeaseLeadership(new Kubernetes(configuration), options, logging.CreateLogger("LiquidMetal.Reconciler.Leadership"));
    }

    /// <summary>
    /// The pod's name in a pod (a restarted container resumes its own lease at once); elsewhere the host name and a
    /// random suffix, so two processes on one machine never share an identity (and so a lease).
    /// </summary>
    private static string DefaultIdentity() =>
        Environment.GetEnvironmentVariable(PodNameVariable) is { Length: > 0 } pod
            ? pod
            : $"{Environment.MachineName}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
