using Microsoft.Extensions.Logging;

namespace LiquidMetal.Agent;

/// <summary>Source-generated log messages of the agent core, with the host as a field.</summary>
internal static partial class HostAgentLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Host}: agent core started on {StateDirectory} with {Provider}; {VmCount} VMs known")]
    public static partial void Started(ILogger logger, string host, string stateDirectory, string provider, int vmCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Host}: applied generation {Generation} with {VmCount} VMs")]
    public static partial void Applied(ILogger logger, string host, long generation, int vmCount);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Host}: refused generation {Generation}: {Errors}")]
    public static partial void Refused(ILogger logger, string host, long generation, string errors);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Host}: agent core stopped; {VmCount} VMs left running for the next agent")]
    public static partial void Stopped(ILogger logger, string host, int vmCount);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "{Host}: could not save the generation of a resync ({Error}); it is saved with the next change")]
    public static partial void ResyncNotSaved(ILogger logger, string host, string error);
}
