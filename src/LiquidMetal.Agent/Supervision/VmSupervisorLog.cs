using LiquidMetal.Agent.Core;
using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent.Supervision;

/// <summary>Source-generated log messages of VM supervision, with host and VM id as fields.</summary>
internal static partial class VmSupervisorLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "{Host}/{VmId}: {From} -> {To}: {Reason}")]
    public static partial void StateChanged(ILogger logger, string host, string vmId, VmState from, VmState to, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "{Host}/{VmId}: adopted running VMM pid {Pid}")]
    public static partial void Adopted(ILogger logger, string host, string vmId, int pid);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Host}/{VmId}: could not start the VMM: {Error}")]
    public static partial void StartFailed(ILogger logger, string host, string vmId, string error);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "{Host}/{VmId}: stopping VMM pid {Pid}: {Reason}")]
    public static partial void Stopping(ILogger logger, string host, string vmId, int pid, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "{Host}/{VmId}: gone and no longer desired; forgotten")]
    public static partial void Forgotten(ILogger logger, string host, string vmId);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "{Host}/{VmId}: supervision step failed; retrying in 1 s")]
    public static partial void StepFailed(ILogger logger, string host, string vmId, Exception exception);
}
