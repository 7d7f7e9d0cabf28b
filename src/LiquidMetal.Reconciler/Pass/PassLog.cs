using Microsoft.Extensions.Logging;

namespace LiquidMetal.Reconciler.Pass;

/// <summary>What a pass logs about hosts, VMs and revisions: structured, with revision, host, cluster and VM as fields.</summary>
internal static partial class PassLog
{
    [LoggerMessage(EventId = 510, Level = LogLevel.Information, Message = "host {Host}: applied spec {SpecHash} of revision {Revision}")]
    public static partial void Applied(ILogger logger, string revision, string host, string specHash);

    [LoggerMessage(EventId = 511, Level = LogLevel.Warning, Message = "host {Host}: {Error} (revision {Revision})")]
    public static partial void HostUnreachable(ILogger logger, string revision, string host, string error);

    [LoggerMessage(EventId = 518, Level = LogLevel.Information, Message = "host {Host}: its agent answers again (revision {Revision})")]
    public static partial void HostBack(ILogger logger, string revision, string host);

    [LoggerMessage(EventId = 512, Level = LogLevel.Information, Message = "VM {Vm} of cluster {Cluster} on host {Host}: {From} -> {To} (revision {Revision})")]
    public static partial void VmState(ILogger logger, string revision, string host, string cluster, string vm, string from, string to);

    [LoggerMessage(EventId = 513, Level = LogLevel.Warning, Message = "VM {Vm} of cluster {Cluster} on host {Host} failed: {Reason} (revision {Revision})")]
    public static partial void VmFailed(ILogger logger, string revision, string host, string cluster, string vm, string reason);

    [LoggerMessage(EventId = 514, Level = LogLevel.Information, Message = "VM {Vm} on host {Host} is gone (revision {Revision})")]
    public static partial void VmGone(ILogger logger, string revision, string host, string vm);

    [LoggerMessage(EventId = 515, Level = LogLevel.Warning, Message = "revision {Revision} rejected with {Count} error(s); nothing applied, what runs stays")]
    public static partial void Rejected(ILogger logger, string revision, int count);

    [LoggerMessage(EventId = 516, Level = LogLevel.Warning, Message = "revision {Revision}: {Error}")]
    public static partial void RevisionError(ILogger logger, string revision, string error);

    [LoggerMessage(EventId = 517, Level = LogLevel.Warning, Message = "revision {Revision} not applied: {Verdict} signature: {Detail}")]
    public static partial void Untrusted(ILogger logger, string revision, string verdict, string detail);

    [LoggerMessage(EventId = 519, Level = LogLevel.Information, Message = "cluster {Cluster}: bootstrap written to the status branch (secrets sealed; never logged)")]
    public static partial void Bootstrapped(ILogger logger, string cluster);
}
