using Microsoft.Extensions.Logging;

namespace LiquidMetal.Reconciler.Leadership;

public sealed partial class LeaseLeadership
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "leader election: {Identity} competes for lease {Namespace}/{Lease}")]
        public static partial void Candidate(ILogger logger, string identity, string @namespace, string lease);

        [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "leader election: {Identity} leads (term {Term}); passes run here")]
        public static partial void Leading(ILogger logger, string identity, long term);

        [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "leader election: {Identity} stopped leading; the pass in flight is cancelled and none runs until it leads again")]
        public static partial void StoppedLeading(ILogger logger, string identity);

        [LoggerMessage(EventId = 604, Level = LogLevel.Information, Message = "leader election: following {Leader}")]
        public static partial void Following(ILogger logger, string leader);

        [LoggerMessage(EventId = 605, Level = LogLevel.Warning, Message = "leader election: lease {Namespace}/{Lease}: {Error}")]
        public static partial void LeaseError(ILogger logger, string @namespace, string lease, string error);

        [LoggerMessage(EventId = 606, Level = LogLevel.Information, Message = "leader election: released lease {Namespace}/{Lease}")]
        public static partial void Released(ILogger logger, string @namespace, string lease);

        [LoggerMessage(EventId = 607, Level = LogLevel.Warning, Message = "leader election: could not release lease {Namespace}/{Lease} ({Error}); it expires after its duration")]
        public static partial void ReleaseFailed(ILogger logger, string @namespace, string lease, string error);

        [LoggerMessage(EventId = 608, Level = LogLevel.Error, Message = "leader election failed, trying again: {Error}")]
        public static partial void ElectionFailed(ILogger logger, string error);
    }
}
